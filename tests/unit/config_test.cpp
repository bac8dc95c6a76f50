// dnsd/config: the command line and the TOML config file.

#include "dnsd/config.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "test_util.hpp"

namespace fs = std::filesystem;
using dnsd::Config;
using dnsd::ParseOutcome;
using test::N;

namespace {

struct Parsed {
    ParseOutcome outcome;
    Config config;
    std::string error;
    std::string out;  // what was printed on stdout
};

// Runs parse_command_line on "dnsd" + args, capturing stdout.
Parsed parse(std::vector<std::string> args) {
    args.insert(args.begin(), "dnsd");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);

    char tmpl[] = "/tmp/config_test_out.XXXXXX";
    int fd = mkstemp(tmpl);
    REQUIRE(fd >= 0);
    std::fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    dup2(fd, STDOUT_FILENO);
    Parsed p;
    p.outcome =
        dnsd::parse_command_line(static_cast<int>(args.size()), argv.data(), p.config, p.error);
    std::fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    close(fd);
    std::ifstream in(tmpl);
    std::stringstream ss;
    ss << in.rdbuf();
    p.out = ss.str();
    unlink(tmpl);
    return p;
}

bool contains(const std::string& hay, const std::string& needle) {
    return hay.find(needle) != std::string::npos;
}

std::vector<std::string> texts(const std::vector<dns::io::Endpoint>& v) {
    std::vector<std::string> out;
    for (const auto& e : v) out.push_back(e.to_string());
    return out;
}

struct TempFile {
    std::string path;
    explicit TempFile(const std::string& text, const char* suffix = ".toml") {
        char tmpl[] = "/tmp/config_test.XXXXXX";
        int fd = mkstemp(tmpl);
        REQUIRE(fd >= 0);
        close(fd);
        path = std::string(tmpl) + suffix;
        fs::rename(tmpl, path);
        std::ofstream(path) << text;
    }
    ~TempFile() { unlink(path.c_str()); }
};

}  // namespace

TEST_SUITE("config") {
    TEST_CASE("defaults") {
        auto p = parse({});
        REQUIRE(p.outcome == ParseOutcome::run);
        REQUIRE(p.config.listen.size() == 1);
        CHECK(p.config.listen[0].to_string() == "127.0.0.1:53");
        CHECK(p.config.threads >= 1);
        CHECK(p.config.zones.empty());
        CHECK(p.config.max_udp == 1232);
        CHECK_FALSE(p.config.include);
        CHECK(p.config.log_level == "info");
        // A public server does not reveal its version or host name unless told to.
        CHECK(p.config.version.empty());
        CHECK(p.config.identity.empty());
    }

    TEST_CASE("--listen accepts ADDR:PORT and [V6]:PORT, repeatedly") {
        auto p =
            parse({"--listen", "127.0.0.1:5353", "--listen=[::1]:5353", "--listen", "0.0.0.0:53"});
        REQUIRE_MESSAGE(p.outcome == ParseOutcome::run, p.error);
        CHECK(texts(p.config.listen) ==
              std::vector<std::string>{"127.0.0.1:5353", "[::1]:5353", "0.0.0.0:53"});
        auto top = parse({"--listen", "192.0.2.1:65535"});
        CHECK(top.outcome == ParseOutcome::run);
    }

    TEST_CASE("--listen rejects a missing or bad port") {
        for (const char* bad :
             {"127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:99999", "127.0.0.1:abc",
              "127.0.0.1:53x", ":53", "[::1]", "[::1]53", "127.0.0.1:-1"}) {
            INFO("bad = ", std::string(bad));
            auto p = parse({"--listen", bad});
            CHECK(p.outcome == ParseOutcome::exit_error);
            CHECK(contains(p.error, "--listen"));
        }
        auto missing = parse({"--listen"});
        CHECK(missing.outcome == ParseOutcome::exit_error);
        CHECK(contains(missing.error, "--listen"));
    }

    TEST_CASE("--listen rejects addresses that are not IP literals") {
        // The server binds IP literals only (server.cpp parse_endpoint); a value that
        // can never be bound should fail when the options are read, with exit code 2.
        for (const char* bad : {"::1", "not-an-address:53", "300.1.1.1:53", "[example]:53"}) {
            INFO("bad = ", std::string(bad));
            auto p = parse({"--listen", bad});
            CHECK(p.outcome == ParseOutcome::exit_error);
        }
    }

    TEST_CASE("--zone-file NAME=PATH") {
        auto p = parse({"--zone-file", "example.com=/var/lib/dnsd/example.com.zone",
                        "--zone-file=Example.NET.=/z/net"});
        REQUIRE_MESSAGE(p.outcome == ParseOutcome::run, p.error);
        REQUIRE(p.config.zones.size() == 2);
        CHECK(p.config.zones[0].name == N("example.com."));
        CHECK(p.config.zones[0].name.to_text() == "example.com.");
        CHECK(p.config.zones[0].file == "/var/lib/dnsd/example.com.zone");
        CHECK(p.config.zones[1].name == N("example.net."));
        CHECK(p.config.zones[1].file == "/z/net");
        // A path may contain '='.
        auto eq = parse({"--zone-file", "example.org=/a=b.zone"});
        REQUIRE(eq.outcome == ParseOutcome::run);
        CHECK(eq.config.zones[0].file == "/a=b.zone");
    }

    TEST_CASE("--zone-file errors") {
        SUBCASE("no '='") {
            auto p = parse({"--zone-file", "example.com"});
            CHECK(p.outcome == ParseOutcome::exit_error);
            CHECK(contains(p.error, "--zone-file"));
            CHECK(contains(p.error, "NAME=PATH"));
        }
        SUBCASE("no path") {
            auto p = parse({"--zone-file", "example.com="});
            CHECK(p.outcome == ParseOutcome::exit_error);
        }
        SUBCASE("bad name") {
            auto p = parse({"--zone-file", "a..b=/x"});
            CHECK(p.outcome == ParseOutcome::exit_error);
            CHECK(contains(p.error, "a..b"));
        }
        SUBCASE("the same zone twice, in any case") {
            auto p = parse({"--zone-file", "example.com=/a", "--zone-file", "EXAMPLE.com.=/b"});
            CHECK(p.outcome == ParseOutcome::exit_error);
            CHECK(contains(p.error, "twice"));
        }
        SUBCASE("an empty zone name") {
            auto p = parse({"--zone-file", "=/var/lib/dnsd/x.zone"});
            CHECK(p.outcome == ParseOutcome::exit_error);
            CHECK_MESSAGE(p.config.zones.empty(), "taken as zone '",
                          p.config.zones[0].name.to_text(), "'");
        }
    }

    TEST_CASE("--threads range 1..256") {
        for (const char* ok : {"1", "4", "256"}) {
            INFO("ok = ", std::string(ok));
            auto p = parse({"--threads", ok});
            REQUIRE(p.outcome == ParseOutcome::run);
            CHECK(p.config.threads == static_cast<unsigned>(std::atoi(ok)));
        }
        for (const char* bad : {"0", "257", "-1", "abc", "4x", "", "99999999999"}) {
            INFO("bad = ", std::string(bad));
            auto p = parse({"--threads", bad});
            CHECK(p.outcome == ParseOutcome::exit_error);
            CHECK(contains(p.error, "--threads"));
        }
    }

    TEST_CASE("other options and their ranges") {
        auto p = parse({"--nsid", "pop1", "--identity", "host-a",
                        "--server-version=", "--max-udp-size", "1400", "--tcp-idle-timeout", "5000",
                        "--tcp-max-clients", "10", "--allow-include", "--log-level", "debug"});
        REQUIRE_MESSAGE(p.outcome == ParseOutcome::run, p.error);
        CHECK(p.config.nsid == "pop1");
        CHECK(p.config.identity == "host-a");
        CHECK(p.config.version.empty());
        CHECK(p.config.max_udp == 1400);
        CHECK(p.config.tcp_idle_timeout_ms == 5000);
        CHECK(p.config.tcp_max_clients == 10);
        CHECK(p.config.include);
        CHECK(p.config.log_level == "debug");

        auto no = parse({"--allow-include=no"});
        REQUIRE(no.outcome == ParseOutcome::run);
        CHECK_FALSE(no.config.include);

        for (std::vector<std::string> bad : {std::vector<std::string>{"--max-udp-size", "511"},
                                             {"--max-udp-size", "4097"},
                                             {"--tcp-idle-timeout", "99"},
                                             {"--tcp-max-clients", "0"},
                                             {"--log-level", "loud"},
                                             {"--allow-include=maybe"},
                                             {"--nsid", std::string(256, 'n')}}) {
            CAPTURE(bad[0]);
            auto r = parse(bad);
            CHECK(r.outcome == ParseOutcome::exit_error);
            CHECK(contains(r.error, bad[0].substr(0, bad[0].find('='))));
        }
    }

    TEST_CASE("--server-version TEXT sets the CH TXT version.bind answer; --version only prints") {
        auto p = parse({"--server-version", "custom 1.0", "--listen", "127.0.0.1:53"});
        REQUIRE_MESSAGE(p.outcome == ParseOutcome::run, p.error);
        CHECK(p.config.version == "custom 1.0");
        CHECK(p.out.empty());
        auto empty = parse({"--server-version", ""});
        REQUIRE_MESSAGE(empty.outcome == ParseOutcome::run, empty.error);
        CHECK(empty.config.version.empty());
        auto eq = parse({"--server-version=custom 2.0"});
        REQUIRE_MESSAGE(eq.outcome == ParseOutcome::run, eq.error);
        CHECK(eq.config.version == "custom 2.0");
        // A bare --version prints the program's version and stops, wherever it is.
        auto v = parse({"--listen", "127.0.0.1:53", "--version"});
        CHECK(v.outcome == ParseOutcome::exit_ok);
        CHECK(v.out == "dnsd " DNSD_VERSION "\n");
    }

    TEST_CASE("an unknown option is an error naming it") {
        auto p = parse({"--listen", "127.0.0.1:53", "--bogus-option", "1"});
        CHECK(p.outcome == ParseOutcome::exit_error);
        CHECK(contains(p.error, "--bogus-option"));
        auto eq = parse({"--frobnicate=yes"});
        CHECK(eq.outcome == ParseOutcome::exit_error);
        CHECK(contains(eq.error, "--frobnicate"));
        CHECK_FALSE(contains(eq.error, "yes"));
        auto pos = parse({"stray"});
        CHECK(pos.outcome == ParseOutcome::exit_error);
        CHECK(contains(pos.error, "stray"));
    }

    TEST_CASE("--help and --version return exit_ok and print") {
        auto h = parse({"--help"});
        CHECK(h.outcome == ParseOutcome::exit_ok);
        CHECK(contains(h.out, "Usage: dnsd"));
        CHECK(contains(h.out, "--listen"));
        CHECK(contains(h.out, "--zone-file"));
        CHECK(h.out == dnsd::help_text());
        auto short_h = parse({"--listen", "127.0.0.1:1", "-h"});
        CHECK(short_h.outcome == ParseOutcome::exit_ok);
        auto v = parse({"--version"});
        CHECK(v.outcome == ParseOutcome::exit_ok);
        CHECK(contains(v.out, DNSD_VERSION));
        // Every option of the table is documented.
        for (const char* opt :
             {"--threads", "--nsid", "--identity", "--server-version", "--version",
              "--max-udp-size", "--tcp-idle-timeout", "--tcp-max-clients", "--allow-include",
              "--log-level", "--config", "--help"})
            CHECK(contains(dnsd::help_text(), opt));
    }

    TEST_CASE("load_config_file: settings and [[zone]] tables") {
        TempFile f(R"(
listen = ["127.0.0.1:5353", "[::1]:5353"]
threads = 2
nsid = "pop1"
server_version = ""
max_udp_size = 1400
allow_include = true
log_level = "warning"

[[zone]]
name = "example.com"
file = "/var/lib/dnsd/example.com.zone"

[[zone]]
name = "example.net."
file = "/var/lib/dnsd/example.net.zone"
)");
        Config c;
        auto r = dnsd::load_config_file(f.path, c);
        REQUIRE_MESSAGE(r.has_value(), r.error().message);
        CHECK(texts(c.listen) == std::vector<std::string>{"127.0.0.1:5353", "[::1]:5353"});
        CHECK(c.threads == 2);
        CHECK(c.nsid == "pop1");
        CHECK(c.version.empty());
        CHECK(c.max_udp == 1400);
        CHECK(c.include);
        CHECK(c.log_level == "warning");
        REQUIRE(c.zones.size() == 2);
        CHECK(c.zones[0].name.to_text() == "example.com.");
        CHECK(c.zones[0].file == "/var/lib/dnsd/example.com.zone");
        CHECK(c.zones[1].name.to_text() == "example.net.");
        CHECK(c.zones[1].file == "/var/lib/dnsd/example.net.zone");
    }

    TEST_CASE("load_config_file: an unknown key is an error naming the file and the key") {
        TempFile f("threads = 2\nbogus_key = 1\n");
        Config c;
        auto r = dnsd::load_config_file(f.path, c);
        REQUIRE_FALSE(r);
        CHECK(contains(r.error().message, f.path));
        CHECK(contains(r.error().message, "bogus_key"));
    }

    TEST_CASE("load_config_file: bad values name the file and the key") {
        SUBCASE("out of range") {
            TempFile f("threads = 0\n");
            Config c;
            auto r = dnsd::load_config_file(f.path, c);
            REQUIRE_FALSE(r);
            CHECK(contains(r.error().message, f.path));
            CHECK(contains(r.error().message, "threads"));
        }
        SUBCASE("a list for a single-valued setting") {
            TempFile f("threads = [1, 2]\n");
            Config c;
            auto r = dnsd::load_config_file(f.path, c);
            REQUIRE_FALSE(r);
            CHECK(contains(r.error().message, "threads"));
        }
        SUBCASE("bad listen inside a list") {
            TempFile f("listen = [\"127.0.0.1:53\", \"nowhere\"]\n");
            Config c;
            auto r = dnsd::load_config_file(f.path, c);
            REQUIRE_FALSE(r);
            CHECK(contains(r.error().message, "listen"));
            CHECK(contains(r.error().message, "nowhere"));
        }
        SUBCASE("zone that is not an array of tables") {
            TempFile f("zone = \"example.com\"\n");
            Config c;
            auto r = dnsd::load_config_file(f.path, c);
            REQUIRE_FALSE(r);
            CHECK(contains(r.error().message, f.path));
        }
        SUBCASE("[[zone]] without a file") {
            TempFile f("[[zone]]\nname = \"example.com\"\n");
            Config c;
            auto r = dnsd::load_config_file(f.path, c);
            REQUIRE_FALSE(r);
            CHECK(contains(r.error().message, f.path));
            CHECK(c.zones.empty());
        }
        SUBCASE("[[zone]] without a name") {
            TempFile f("[[zone]]\nfile = \"/var/lib/dnsd/x.zone\"\n");
            Config c;
            auto r = dnsd::load_config_file(f.path, c);
            CHECK_FALSE(r.has_value());
            CHECK_MESSAGE(c.zones.empty(), "taken as zone '", c.zones[0].name.to_text(), "'");
        }
    }

    TEST_CASE("load_config_file: TOML syntax errors name the file and line") {
        TempFile f("threads = 2\nnsid = \"unterminated\n");
        Config c;
        auto r = dnsd::load_config_file(f.path, c);
        REQUIRE_FALSE(r);
        CHECK(contains(r.error().message, f.path + ":2"));
        Config c2;
        auto missing = dnsd::load_config_file("/nonexistent/dnsd.toml", c2);
        REQUIRE_FALSE(missing);
        CHECK(contains(missing.error().message, "/nonexistent/dnsd.toml"));
    }

    TEST_CASE("--config reads the file first; flags add to it") {
        TempFile f("listen = [\"127.0.0.1:5353\"]\nthreads = 3\nnsid = \"from-file\"\n");
        auto p = parse({"--listen", "[::1]:5353", "--config", f.path, "--nsid", "from-flag"});
        REQUIRE_MESSAGE(p.outcome == ParseOutcome::run, p.error);
        CHECK(texts(p.config.listen) == std::vector<std::string>{"127.0.0.1:5353", "[::1]:5353"});
        CHECK(p.config.threads == 3);
        CHECK(p.config.nsid == "from-flag");
        CHECK(p.config.config_file == f.path);

        auto eq = parse({"--config=" + f.path});
        REQUIRE(eq.outcome == ParseOutcome::run);
        CHECK(eq.config.threads == 3);

        auto none = parse({"--config"});
        CHECK(none.outcome == ParseOutcome::exit_error);
        CHECK(contains(none.error, "--config"));

        auto missing = parse({"--config", "/nonexistent/dnsd.toml"});
        CHECK(missing.outcome == ParseOutcome::exit_error);
        CHECK(contains(missing.error, "/nonexistent/dnsd.toml"));

        TempFile bad("bogus = 1\n");
        auto b = parse({"--config", bad.path});
        CHECK(b.outcome == ParseOutcome::exit_error);
        CHECK(contains(b.error, bad.path));
    }

}  // TEST_SUITE
