#include "lib/db/sqlite.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace dns::db {

namespace {

Error sql_error(sqlite3* db, std::string_view what) {
    std::string w(what.substr(0, 48));
    for (char& c : w)
        if (c == '\n') c = ' ';
    return make_error(Errc::io, std::string(db ? sqlite3_errmsg(db) : "out of memory") +
                                    " (in: " + w + (what.size() > 48 ? "...)" : ")"));
}

}  // namespace

// ---- Statement ----

Statement& Statement::bind(int i, int64_t v) {
    int rc = sqlite3_bind_int64(st_.get(), i, v);
    if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
    return *this;
}

Statement& Statement::bind(int i, std::string_view v) {
    int rc =
        sqlite3_bind_text(st_.get(), i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
    return *this;
}

Statement& Statement::bind(int i, std::span<const uint8_t> v) {
    // A zero-length blob (not NULL) needs a non-null pointer.
    static const uint8_t empty = 0;
    int rc = sqlite3_bind_blob64(st_.get(), i, v.empty() ? &empty : v.data(), v.size(),
                                 SQLITE_TRANSIENT);
    if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
    return *this;
}

Statement& Statement::bind_null(int i) {
    int rc = sqlite3_bind_null(st_.get(), i);
    if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
    return *this;
}

Result<bool> Statement::step() {
    if (bind_rc_ != SQLITE_OK)
        return make_error(Errc::io, std::string("bind: ") + sqlite3_errstr(bind_rc_));
    int rc = sqlite3_step(st_.get());
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return sql_error(db_, sqlite3_sql(st_.get()) ? sqlite3_sql(st_.get()) : "");
}

Result<void> Statement::run() {
    for (;;) {
        auto r = step();
        if (!r) return r.error();
        if (!*r) return {};
    }
}

void Statement::reset() {
    sqlite3_reset(st_.get());
    sqlite3_clear_bindings(st_.get());
    bind_rc_ = SQLITE_OK;
}

std::string Statement::text(int col) const {
    const auto* p = sqlite3_column_text(st_.get(), col);
    int n = sqlite3_column_bytes(st_.get(), col);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n))
             : std::string();
}

std::vector<uint8_t> Statement::blob(int col) const {
    const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(st_.get(), col));
    int n = sqlite3_column_bytes(st_.get(), col);
    return p ? std::vector<uint8_t>(p, p + n) : std::vector<uint8_t>();
}

// ---- Database ----

Result<std::unique_ptr<Database>> Database::open(const std::string& path,
                                                 std::span<const std::string_view> migrations,
                                                 Options options) {
    std::unique_ptr<Database> d(new Database());
    d->path_ = path;
    if (options.lock) {
        // flock() is released by the kernel when the process dies, however it
        // dies: no stale lock after a SIGKILL.
        const std::string lock_path = path + ".lock";
        d->lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (d->lock_fd_ < 0) return make_error(Errc::io, lock_path + ": " + std::strerror(errno));
        if (::flock(d->lock_fd_, LOCK_EX | LOCK_NB) != 0) {
            char buf[32] = {};
            ssize_t n = ::pread(d->lock_fd_, buf, sizeof buf - 1, 0);
            std::string pid = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "?";
            while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
            return make_error(
                Errc::refused,
                path + " is in use by another process (pid " + pid + ")" +
                    (options.lock_hint.empty() ? std::string() : "; " + options.lock_hint));
        }
        std::string pid = std::to_string(::getpid()) + "\n";
        if (::ftruncate(d->lock_fd_, 0) == 0)
            (void)!::pwrite(d->lock_fd_, pid.data(), pid.size(), 0);
    }
    int flags =
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (options.create ? SQLITE_OPEN_CREATE : 0);
    int rc = sqlite3_open_v2(path.c_str(), &d->db_, flags, nullptr);
    if (rc != SQLITE_OK)
        return make_error(rc == SQLITE_CANTOPEN ? Errc::not_found : Errc::io,
                          path + ": " + (d->db_ ? sqlite3_errmsg(d->db_) : sqlite3_errstr(rc)));
    sqlite3_extended_result_codes(d->db_, 1);
    sqlite3_busy_timeout(d->db_, 5000);
    // WAL: readers never block the writer. synchronous=FULL: a commit is on
    // disk when it returns (acknowledged means kept, even after power loss).
    if (auto r = d->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                         "PRAGMA foreign_keys=ON;");
        !r)
        return make_error(r.error().code, path + ": " + r.error().message);
    // A file that is not a database fails here with SQLite's "file is not a database".
    auto check = d->prepare("PRAGMA user_version");
    if (!check) return make_error(check.error().code, path + ": " + check.error().message);
    auto row = check->step();
    if (!row) return make_error(row.error().code, path + ": " + row.error().message);
    d->version_ = static_cast<int>(check->int64(0));
    if (!options.lock && d->version_ != static_cast<int>(migrations.size()))
        return make_error(Errc::unsupported,
                          path + ": schema version " + std::to_string(d->version_) +
                              ", this program's is " + std::to_string(migrations.size()) +
                              ": only the writer migrates it");
    if (auto r = d->migrate(migrations); !r)
        return make_error(r.error().code, path + ": " + r.error().message);
    return d;
}

void StatementRelease::operator()(sqlite3_stmt* st) const noexcept {
    if (cache)
        cache->release(st);
    else
        sqlite3_finalize(st);
}

void Database::release(sqlite3_stmt* st) noexcept {
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    const char* sql = sqlite3_sql(st);
    try {
        if (sql && cache_.emplace(sql, st).second) return;
    } catch (...) {
    }
    sqlite3_finalize(st);  // one of the same text is kept already
}

Database::~Database() {
    for (auto& [sql, st] : cache_) sqlite3_finalize(st);
    if (db_) sqlite3_close_v2(db_);
    if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

Result<void> Database::exec(std::string_view sql) {
    std::string s(sql);
    char* msg = nullptr;
    int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &msg);
    if (rc == SQLITE_OK) return {};
    std::string m = msg ? msg : sqlite3_errstr(rc);
    sqlite3_free(msg);
    std::string w(sql.substr(0, 48));
    return make_error(Errc::io, m + " (in: " + w + (sql.size() > 48 ? "...)" : ")"));
}

Result<Statement> Database::prepare(std::string_view sql) {
    if (auto it = cache_.find(std::string(sql)); it != cache_.end()) {
        sqlite3_stmt* st = it->second;
        cache_.erase(it);
        return Statement(db_, st, this);
    }
    sqlite3_stmt* st = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &st, nullptr);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(st);
        return sql_error(db_, sql);
    }
    return Statement(db_, st, this);
}

Result<void> Database::migrate(std::span<const std::string_view> migrations) {
    const int known = static_cast<int>(migrations.size());
    if (version_ > known)
        return make_error(Errc::unsupported,
                          "the database's schema version " + std::to_string(version_) +
                              " is newer than this program knows (" + std::to_string(known) +
                              "): use the newer program, or a copy of the database from before");
    for (int v = version_; v < known; ++v) {
        Transaction t(*this);
        if (!t.begun()) return t.begun().error();
        if (auto r = exec(migrations[static_cast<size_t>(v)]); !r)
            return make_error(r.error().code, "migration to schema " + std::to_string(v + 1) +
                                                  ": " + r.error().message);
        if (auto r = exec("PRAGMA user_version=" + std::to_string(v + 1)); !r) return r;
        if (auto r = t.commit(); !r) return r;
        version_ = v + 1;
    }
    return {};
}

// ---- Transaction ----

Transaction::Transaction(Database& db) : db_(db) {
    begun_ = db_.exec("BEGIN IMMEDIATE");
    open_ = begun_.has_value();
}

Transaction::~Transaction() {
    if (open_) (void)db_.exec("ROLLBACK");
}

Result<void> Transaction::commit() {
    if (!open_) return make_error(Errc::semantic, "no transaction to commit");
    open_ = false;
    auto r = db_.exec("COMMIT");
    if (!r) (void)db_.exec("ROLLBACK");
    return r;
}

}  // namespace dns::db
