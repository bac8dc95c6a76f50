#pragma once
// One option table per program: it drives the command line, the TOML config
// file (each flag is a key, '-' written '_'), --help, and what a reload may
// change. A program declares its table once, with a setter per option that
// parses the value into its typed Config (endpoints, names, TSIG keys are
// checked here, once); invalid settings are refused with a message naming the
// option (or the file and the key).
//
//   Config c;
//   options::Table t = table_for(c);       // lambdas that write into c
//   switch (t.parse(argc, argv, error)) { ... }

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "lib/base/result.hpp"
#include "lib/io/client.hpp"
#include "lib/wire/name.hpp"
#include "lib/xfr/tsig.hpp"

namespace dns::options {

/// One flag (and config-file key).
struct Option {
    std::string name;  ///< without "--"
    std::string
        arg;  ///< the argument's name for --help; empty: a switch (value "true" unless given)
    std::string help;
    bool repeatable = false;
    bool live = false;  ///< a reload (SIGHUP) applies a change of it; otherwise it needs a restart
    std::function<Result<void>(std::string_view value)> set;
    /// The current value as text, to tell whether a reload changed it.
    std::function<std::string()> value;
};

/// A TOML array of tables ([[zone]] ...): each table's keys and their values
/// as text (arrays give several).
using Fields = std::map<std::string, std::vector<std::string>>;
struct Section {
    std::string name;  ///< [[name]]
    std::string help;  ///< one line for --help
    bool live = false;
    std::function<Result<void>(const Fields& fields)> add;
    std::function<std::string()> value;
};

struct Program {
    std::string name;     ///< "dnsd"
    std::string version;  ///< printed by --version
    std::string summary;  ///< first line of --help
    std::string footer;   ///< after the options in --help (examples, signals)
};

class Table {
  public:
    Table(Program program, std::vector<Option> options, std::vector<Section> sections = {});

    enum class Outcome { run, exit_ok, exit_error };
    /// Reads --config FILE first (flags add to it), then the flags. --help and
    /// --version print and return exit_ok. `config_file` receives the file read.
    Outcome parse(int argc, const char* const* argv, std::string& error,
                  std::string* config_file = nullptr);
    /// Applies a TOML file; errors name the file (and line or key).
    Result<void> load_file(const std::string& path);
    /// Sets one option by name (as the command line would).
    Result<void> set(std::string_view name, std::string_view value);

    std::string help() const;
    /// The options and sections whose values differ in `other` (the same
    /// program's table over another Config) and that a reload cannot apply.
    std::vector<std::string> restart_needed(const Table& other) const;

  private:
    const Option* find(std::string_view name) const;

    Program program_;
    std::vector<Option> options_;
    std::vector<Section> sections_;
};

// ---- typed values; each error says what was expected ----

Result<uint64_t> number(std::string_view v, uint64_t lo, uint64_t hi);
Result<bool> boolean(std::string_view v);
/// A domain name; the final dot may be left out.
Result<wire::Name> domain_name(std::string_view v);
/// "ADDR:PORT" or "[V6]:PORT" (port required).
Result<io::Endpoint> listen_address(std::string_view v);
/// The same, or a bare address (port 53).
Result<io::Endpoint> server_address(std::string_view v);
/// "NAME:ALGORITHM:BASE64SECRET".
Result<xfr::TsigKey> tsig_key(std::string_view v);
/// A bearer token kept in a file (surrounding white space removed): an
/// unreadable file, or a token under 16 characters, is an error naming `flag`.
Result<std::string> token_file(const std::string& path, std::string_view flag = "--token-file");

}  // namespace dns::options
