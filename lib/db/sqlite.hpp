#pragma once
// SQLite for the programs' own databases (zonesync's store, signup-web's
// state): one writer per database file, WAL, foreign keys on, and the schema
// carried in the code as numbered migrations (PRAGMA user_version counts the
// ones applied; each runs in a transaction of its own).
//
//   auto db = Database::open(path, kMigrations);
//   Transaction t(*db);                    // BEGIN IMMEDIATE
//   auto st = db->prepare("INSERT ...");   // bind(1, ...), step()
//   t.commit();                            // else rolled back
//
// Errors carry SQLite's message and the statement's first words.
#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "lib/base/result.hpp"

namespace dns::db {

class Database;

/// What becomes of a statement when its Statement goes: finalized, or reset
/// and handed back to its Database's cache.
struct StatementRelease {
    Database* cache = nullptr;
    void operator()(sqlite3_stmt* st) const noexcept;
};

class Statement {
  public:
    Statement() = default;
    /// `cache`: the Database that takes the statement back for its next prepare().
    Statement(sqlite3* db, sqlite3_stmt* st, Database* cache = nullptr)
        : db_(db), st_(st, StatementRelease{cache}) {}

    /// Parameters count from 1. A bind error shows in step().
    Statement& bind(int i, int64_t v);
    Statement& bind(int i, std::string_view v);
    Statement& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
    Statement& bind(int i, std::span<const uint8_t> v);
    Statement& bind_null(int i);
    /// True: a row is there to read; false: done.
    Result<bool> step();
    /// step() to the end (a statement that returns no rows).
    Result<void> run();
    /// For the next run with other parameters.
    void reset();
    /// Steps through every row, calling f(*this) for each; f may return
    /// Result<void> to stop with an error.
    template <class F>
    Result<void> each(F f) {
        for (;;) {
            auto row = step();
            if (!row) return row.error();
            if (!*row) return {};
            if constexpr (std::is_same_v<decltype(f(*this)), Result<void>>) {
                if (auto r = f(*this); !r) return r;
            } else {
                f(*this);
            }
        }
    }

    int64_t int64(int col) const { return sqlite3_column_int64(st_.get(), col); }
    std::string text(int col) const;
    std::vector<uint8_t> blob(int col) const;
    bool is_null(int col) const { return sqlite3_column_type(st_.get(), col) == SQLITE_NULL; }

  private:
    sqlite3* db_ = nullptr;
    std::unique_ptr<sqlite3_stmt, StatementRelease> st_;
    int bind_rc_ = SQLITE_OK;
};

class Database {
  public:
    struct Options {
        /// Take the writer's lock (a file PATH.lock, flock'd for the life of
        /// the Database): a second writer gets a clear error. Off only for
        /// readers (WAL lets them read beside the writer); a reader never migrates.
        bool lock = true;
        /// What the lock error tells the user to do instead.
        std::string lock_hint;
        bool create = true;  ///< create the file when absent
    };
    /// Opens (or creates) the database and brings its schema up to date:
    /// migrations[i] takes the schema from version i to i + 1. A database
    /// whose version is newer than the code knows is refused.
    static Result<std::unique_ptr<Database>> open(const std::string& path,
                                                  std::span<const std::string_view> migrations,
                                                  Options options);
    static Result<std::unique_ptr<Database>> open(const std::string& path,
                                                  std::span<const std::string_view> migrations) {
        return open(path, migrations, Options{});
    }
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    /// One or more statements, no results.
    Result<void> exec(std::string_view sql);
    /// A statement of `sql`. Statements are cached: once a Statement goes,
    /// its compiled form is kept for the next prepare() of the same text (a
    /// store writing thousands of rows a second would otherwise spend most
    /// of its time compiling SQL). Statements must not outlive the Database.
    Result<Statement> prepare(std::string_view sql);
    int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
    int changes() const { return sqlite3_changes(db_); }
    int schema_version() const { return version_; }
    const std::string& path() const { return path_; }
    sqlite3* handle() const { return db_; }

  private:
    friend struct StatementRelease;
    Database() = default;
    Result<void> migrate(std::span<const std::string_view> migrations);
    void release(sqlite3_stmt* st) noexcept;
    sqlite3* db_ = nullptr;
    std::unordered_map<std::string, sqlite3_stmt*> cache_;  // by SQL text, not in use
    int lock_fd_ = -1;
    int version_ = 0;
    std::string path_;
};

/// BEGIN IMMEDIATE for its lifetime: commit() makes the changes durable;
/// leaving the scope without it rolls them back.
class Transaction {
  public:
    explicit Transaction(Database& db);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    /// Whether BEGIN succeeded (check before writing).
    const Result<void>& begun() const { return begun_; }
    Result<void> commit();

  private:
    Database& db_;
    Result<void> begun_;
    bool open_ = false;
};

}  // namespace dns::db
