// lib/io/state_dir: saved secondary zones (save, load, touch, remove, path_of),
// in a temporary directory removed at the end.

#include "lib/io/state_dir.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <tuple>
#include <vector>

#include "lib/wire/rrtype.hpp"
#include "lib/xfr/transfer.hpp"
#include "lib/zone/builder.hpp"
#include "lib/zonefile/zonefile.hpp"
#include "test_util.hpp"

namespace fs = std::filesystem;
namespace t = dns::wire::type;
using dns::io::StateDir;
using test::N;
using test::S;
using test::W;

namespace {

// A fresh directory under the system temp dir, removed with everything in it.
struct TempDir {
    std::string path;
    TempDir() {
        std::string tmpl = (fs::temp_directory_path() / "state_dir_test.XXXXXX").string();
        std::vector<char> buf(tmpl.begin(), tmpl.end());
        buf.push_back('\0');
        char* p = ::mkdtemp(buf.data());
        REQUIRE(p != nullptr);
        path = p;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
};

const char* kZone = R"(
$ORIGIN example.com.
$TTL 3600
@    SOA   ns1 hostmaster 2024010101 7200 3600 1209600 300
@    RRSIG SOA 8 2 3600 20300101000000 20200101000000 12345 example.com. c2lnbmF0dXJlLXNvYQ==
@    NS    ns1
@    NS    ns2.example.net.
@    MX    10 mail
ns1  A     192.0.2.1
WWW  A     192.0.2.80
WWW  300 AAAA 2001:db8::80
www  TXT   "hello" "world"
mail A     192.0.2.25
*.wild TXT "wildcard"
sub  NS    ns.sub
ns.sub A   192.0.2.53
a.b.c  CAA 0 issue "ca.example"
)";

dns::zone::ZonePtr parse(const char* text, const char* origin = "example.com.") {
    auto z = dns::zonefile::parse(text, N(origin));
    REQUIRE_MESSAGE(z.has_value(), z.error().message);
    return *z;
}

// records_of() in a comparable form (order kept: both sides come from a Builder).
using Flat = std::vector<std::tuple<std::string, uint16_t, uint32_t, std::string>>;
Flat flat(const dns::zone::Zone& z) {
    Flat f;
    for (const auto& r : dns::xfr::records_of(z)) f.emplace_back(r.owner, r.type, r.ttl, r.rdata);
    return f;
}

std::vector<uint8_t> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in.good());
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
void write_file(const std::string& path, const std::vector<uint8_t>& data) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data.data()),
              static_cast<std::streamsize>(data.size()));
    REQUIRE(out.good());
}
size_t files_in(const std::string& dir) {
    size_t n = 0;
    for (const auto& e : fs::directory_iterator(dir)) {
        (void)e;
        ++n;
    }
    return n;
}

// A zone built directly (for apexes a master file cannot conveniently name).
dns::zone::ZonePtr tiny_zone(const dns::wire::Name& apex, uint32_t serial = 1) {
    dns::zone::Builder b(apex);
    std::string soa = std::string(2, '\0');
    for (uint32_t v : {serial, 7200u, 3600u, 1209600u, 300u})
        soa += S({static_cast<int>(v >> 24), static_cast<int>((v >> 16) & 0xFF),
                  static_cast<int>((v >> 8) & 0xFF), static_cast<int>(v & 0xFF)});
    auto add = [&](uint16_t type, const std::string& rd) {
        auto r =
            b.add(apex, type, 1, 3600, {reinterpret_cast<const uint8_t*>(rd.data()), rd.size()});
        REQUIRE_MESSAGE(r.has_value(), r.error().message);
    };
    add(t::SOA, soa);
    add(t::NS, W("ns.example.net."));
    auto z = b.build();
    REQUIRE_MESSAGE(z.has_value(), z.error().message);
    return *z;
}

// Offsets in the file (see state_dir.cpp): magic 8, time 8, count 4, apex length 2, apex.
constexpr size_t kTimeAt = 8, kCountAt = 16, kApexLenAt = 20, kApexAt = 22;

// The differences from zone a to zone b, SOA first on each side (as in IXFR).
dns::xfr::Diff diff_of(const dns::zone::Zone& a, const dns::zone::Zone& b) {
    auto ra = dns::xfr::records_of(a), rb = dns::xfr::records_of(b);
    auto same = [](const dns::xfr::Record& x, const dns::xfr::Record& y) {
        return x.type == y.type && x.rdata == y.rdata && x.owner == y.owner;
    };
    dns::xfr::Diff d{a.serial(), b.serial(), {}, {}};
    for (const auto& r : ra)
        if (std::none_of(rb.begin(), rb.end(), [&](const auto& x) { return same(r, x); }))
            d.removed.push_back(r);
    for (const auto& r : rb)
        if (std::none_of(ra.begin(), ra.end(), [&](const auto& x) { return same(r, x); }))
            d.added.push_back(r);
    return d;
}

Flat sorted_flat(const dns::zone::Zone& z) {
    Flat f = flat(z);
    std::sort(f.begin(), f.end());
    return f;
}

std::string zone_text(uint32_t serial, const char* extra) {
    std::string text = kZone;
    text.replace(text.find("2024010101"), 10, std::to_string(serial));
    return text + extra;
}

}  // namespace

TEST_SUITE("state_dir") {
    TEST_CASE("save then load: same records and verification time") {
        TempDir dir;
        StateDir sd(dir.path);
        CHECK(sd.enabled());
        REQUIRE(sd.prepare().has_value());
        auto z = parse(kZone);
        const int64_t when = 1700000123;
        auto saved = sd.save(*z, when);
        REQUIRE_MESSAGE(saved.has_value(), saved.error().message);
        CHECK(fs::exists(sd.path_of(N("example.com."))));
        CHECK(!fs::exists(sd.path_of(N("example.com.")) + ".tmp"));
        CHECK(files_in(dir.path) == 1);

        auto loaded = sd.load(N("example.com."));
        REQUIRE_MESSAGE(loaded.has_value(), loaded.error().message);
        CHECK(loaded->verified_unix == when);
        REQUIRE(loaded->zone != nullptr);
        CHECK(loaded->zone->apex() == N("example.com."));
        CHECK(loaded->zone->serial() == 2024010101);
        CHECK(loaded->zone->record_count() == z->record_count());
        CHECK(flat(*loaded->zone) == flat(*z));
        // Owner case survives (records_of gives the original case).
        bool upper = false;
        for (const auto& r : dns::xfr::records_of(*loaded->zone))
            upper |= r.owner == W("WWW.example.com.");
        CHECK(upper);

        // Lookup by any case of the name.
        auto again = sd.load(N("EXAMPLE.com."));
        REQUIRE(again.has_value());
        CHECK(flat(*again->zone) == flat(*z));
    }

    TEST_CASE(
        "the primary the data came from survives a restart (so the next change can be an IXFR)") {
        TempDir dir;
        StateDir sd(dir.path);
        REQUIRE(sd.prepare().has_value());
        auto z = parse(kZone);
        REQUIRE(sd.save(*z, 1700000000, "[2001:db8::1]:53").has_value());
        auto loaded = sd.load(N("example.com."));
        REQUIRE(loaded.has_value());
        CHECK(loaded->primary == "[2001:db8::1]:53");
        REQUIRE(sd.save(*z, 1700000000).has_value());
        CHECK(sd.load(N("example.com."))->primary.empty());
    }

    TEST_CASE("StateWriter writes on its own thread; the last of several writes wins") {
        TempDir dir;
        StateDir sd(dir.path);
        REQUIRE(sd.prepare().has_value());
        auto z = parse(kZone);
        {
            dns::io::StateWriter w(sd);
            w.save(z, 1700000001, "192.0.2.1:53");
            w.touch(N("example.com."), 1700000002);
            w.flush();
            auto loaded = sd.load(N("example.com."));
            REQUIRE(loaded.has_value());
            CHECK(loaded->verified_unix == 1700000002);
            CHECK(loaded->primary == "192.0.2.1:53");
            w.remove(N("example.com."));
            w.flush();
            CHECK_FALSE(fs::exists(sd.path_of(N("example.com."))));
        }
    }

    TEST_CASE("many zones saved in one batch: one flush, each loads; a failing one fails alone") {
        TempDir dir;
        StateDir sd(dir.path);
        REQUIRE(sd.prepare().has_value());
        std::vector<dns::zone::ZonePtr> zones;
        for (int i = 0; i < 50; ++i)
            zones.push_back(tiny_zone(N(("z" + std::to_string(i) + ".example.").c_str()), 10 + i));
        {
            dns::io::StateWriter w(sd);
            for (const auto& z : zones) w.save(z, 1700000000 + z->serial(), "192.0.2.1:53");
            w.flush();
        }
        for (const auto& z : zones) {
            auto loaded = sd.load(z->apex());
            REQUIRE_MESSAGE(loaded.has_value(), z->apex().to_text());
            CHECK(loaded->zone->serial() == z->serial());
            CHECK(loaded->verified_unix == 1700000000 + z->serial());
        }
        CHECK(files_in(dir.path) == zones.size());  // no temporary file left
        // One target that cannot be written (its path is a directory): that one
        // fails, the others are written.
        dns::io::FileStorage fsx;
        fs::create_directory(dir.path + "/blocked");
        std::vector<dns::io::Storage::Write> writes = {
            {dir.path + "/a", {1, 2, 3}}, {dir.path + "/blocked", {4}}, {dir.path + "/c", {5, 6}}};
        auto rs = fsx.write_atomically_many(writes);
        REQUIRE(rs.size() == 3);
        CHECK(rs[0].has_value());
        CHECK_FALSE(rs[1].has_value());
        CHECK(rs[2].has_value());
        CHECK(fs::file_size(dir.path + "/a") == 3);
        CHECK(fs::file_size(dir.path + "/c") == 2);
        CHECK_FALSE(fs::exists(dir.path + "/blocked.tmp"));
    }

    TEST_CASE("save overwrites the previous copy") {
        TempDir dir;
        StateDir sd(dir.path);
        REQUIRE(sd.save(*tiny_zone(N("example.org."), 1), 100).has_value());
        REQUIRE(sd.save(*tiny_zone(N("example.org."), 2), 200).has_value());
        auto l = sd.load(N("example.org."));
        REQUIRE(l.has_value());
        CHECK(l->zone->serial() == 2);
        CHECK(l->verified_unix == 200);
        CHECK(files_in(dir.path) == 1);
    }

    TEST_CASE("touch() changes only the verification time") {
        TempDir dir;
        StateDir sd(dir.path);
        auto z = parse(kZone);
        REQUIRE(sd.save(*z, 1000).has_value());
        std::string path = sd.path_of(N("example.com."));
        auto before = read_file(path);
        auto touched = sd.touch(N("example.com."), 0x0102030405060708LL);
        REQUIRE_MESSAGE(touched.has_value(), touched.error().message);
        auto after = read_file(path);
        REQUIRE(after.size() == before.size());
        for (size_t i = 0; i < after.size(); ++i) {
            if (i >= kTimeAt && i < kTimeAt + 8) continue;
            CAPTURE(i);
            CHECK(after[i] == before[i]);
        }
        CHECK(std::vector<uint8_t>(after.begin() + kTimeAt, after.begin() + kTimeAt + 8) ==
              std::vector<uint8_t>{1, 2, 3, 4, 5, 6, 7, 8});
        auto l = sd.load(N("example.com."));
        REQUIRE(l.has_value());
        CHECK(l->verified_unix == 0x0102030405060708LL);
        CHECK(flat(*l->zone) == flat(*z));
    }

    TEST_CASE("touch() of a zone never saved fails and creates nothing") {
        TempDir dir;
        StateDir sd(dir.path);
        auto r = sd.touch(N("nothere.example."), 5);
        CHECK(!r.has_value());
        CHECK(r.error().code == dns::Errc::io);
        CHECK(files_in(dir.path) == 0);
    }

    TEST_CASE("load of a zone never saved: not_found") {
        TempDir dir;
        StateDir sd(dir.path);
        auto r = sd.load(N("example.com."));
        REQUIRE(!r.has_value());
        CHECK(r.error().code == dns::Errc::not_found);
        // Also when other zones are there.
        REQUIRE(sd.save(*tiny_zone(N("example.org.")), 1).has_value());
        auto r2 = sd.load(N("example.com."));
        REQUIRE(!r2.has_value());
        CHECK(r2.error().code == dns::Errc::not_found);
    }

    TEST_CASE("remove() deletes the saved copy") {
        TempDir dir;
        StateDir sd(dir.path);
        REQUIRE(sd.save(*tiny_zone(N("example.org.")), 1).has_value());
        REQUIRE(sd.load(N("example.org.")).has_value());
        sd.remove(N("example.org."));
        auto r = sd.load(N("example.org."));
        REQUIRE(!r.has_value());
        CHECK(r.error().code == dns::Errc::not_found);
        CHECK(files_in(dir.path) == 0);
        sd.remove(N("example.org."));  // twice: harmless
    }

    TEST_CASE("a truncated file is an error, at every length") {
        TempDir dir;
        StateDir sd(dir.path);
        REQUIRE(sd.save(*parse(kZone), 42).has_value());
        std::string path = sd.path_of(N("example.com."));
        auto good = read_file(path);
        REQUIRE(good.size() > kApexAt);
        for (size_t len = 0; len < good.size(); ++len) {
            CAPTURE(len);
            write_file(path,
                       std::vector<uint8_t>(good.begin(), good.begin() + static_cast<long>(len)));
            auto r = sd.load(N("example.com."));
            CHECK(!r.has_value());
            if (!r.has_value()) CHECK(r.error().code == dns::Errc::malformed);
        }
        write_file(path, good);
        CHECK(sd.load(N("example.com.")).has_value());
    }

    TEST_CASE("a corrupted file is an error, not a crash") {
        TempDir dir;
        StateDir sd(dir.path);
        REQUIRE(sd.save(*parse(kZone), 42).has_value());
        std::string path = sd.path_of(N("example.com."));
        const auto good = read_file(path);

        auto load_with = [&](std::vector<uint8_t> bytes) {
            write_file(path, bytes);
            return sd.load(N("example.com."));
        };
        SUBCASE("bad magic") {
            auto b = good;
            b[0] = 'X';
            auto r = load_with(b);
            REQUIRE(!r.has_value());
            CHECK(r.error().message.find("not a saved zone") != std::string::npos);
        }
        SUBCASE("an empty file") { CHECK(!load_with({}).has_value()); }
        SUBCASE("a trailing byte") {
            auto b = good;
            b.push_back(0);
            auto r = load_with(b);
            REQUIRE(!r.has_value());
            CHECK(r.error().message.find("trailing") != std::string::npos);
        }
        SUBCASE("record count one too many / one too few") {
            auto b = good;
            b[kCountAt + 3] = static_cast<uint8_t>(b[kCountAt + 3] + 1);
            CHECK(!load_with(b).has_value());
            b = good;
            b[kCountAt + 3] = static_cast<uint8_t>(b[kCountAt + 3] - 1);
            CHECK(!load_with(b).has_value());
            b = good;
            b[kCountAt] = b[kCountAt + 1] = b[kCountAt + 2] = b[kCountAt + 3] = 0xFF;
            CHECK(!load_with(b).has_value());
        }
        SUBCASE("apex length past the end") {
            auto b = good;
            b[kApexLenAt] = 0xFF;
            CHECK(!load_with(b).has_value());
        }
        SUBCASE("first owner length past the end") {
            auto b = good;
            size_t first = kApexAt + N("example.com.").size();
            b[first] = 0xFF;
            CHECK(!load_with(b).has_value());
        }
        SUBCASE("an invalid owner name") {
            auto b = good;
            size_t first = kApexAt + N("example.com.").size();
            b[first + 1] = 63;  // a label longer than the name
            CHECK(!load_with(b).has_value());
        }
        SUBCASE("every single byte flipped: error or a valid zone, never a crash") {
            size_t failures = 0;
            for (size_t i = 0; i < good.size(); ++i) {
                auto b = good;
                b[i] ^= 0xFF;
                auto r = load_with(b);
                if (!r.has_value()) {
                    ++failures;
                    CHECK(r.error().code == dns::Errc::malformed);
                } else {
                    CHECK(r->zone != nullptr);
                }
            }
            CHECK(failures > good.size() / 4);
        }
    }

    TEST_CASE("a file holding another zone is an error") {
        TempDir dir;
        StateDir sd(dir.path);
        REQUIRE(sd.save(*parse(kZone), 42).has_value());
        fs::copy_file(sd.path_of(N("example.com.")), sd.path_of(N("example.net.")));
        auto r = sd.load(N("example.net."));
        REQUIRE(!r.has_value());
        CHECK(r.error().code == dns::Errc::malformed);
        CHECK(r.error().message.find("another zone") != std::string::npos);
        // A parent or child name is another zone too.
        fs::copy_file(sd.path_of(N("example.com.")), sd.path_of(N("sub.example.com.")));
        CHECK(!sd.load(N("sub.example.com.")).has_value());
        fs::copy_file(sd.path_of(N("example.com.")), sd.path_of(N("com.")));
        CHECK(!sd.load(N("com.")).has_value());
    }

    TEST_CASE("path_of: lower-cased file name inside the directory") {
        StateDir sd("/var/lib/dnsd");
        CHECK(sd.path_of(N("Example.COM.")) == "/var/lib/dnsd/example.com.zone");
        CHECK(sd.path_of(N("xn--bcher-kva.example.")) ==
              "/var/lib/dnsd/xn--bcher-kva.example.zone");
        CHECK(sd.path_of(N("_tcp.example.")) == "/var/lib/dnsd/_tcp.example.zone");
        // The root maps to an escaped dot: no other zone's file can be named so.
        CHECK(sd.path_of(N(".")) == "/var/lib/dnsd/%2ezone");
        CHECK(sd.path_of(N("root.")) == "/var/lib/dnsd/root.zone");
    }

    TEST_CASE("path_of escapes odd characters: every name maps to one file in the directory") {
        StateDir sd("/var/lib/dnsd");
        const std::string prefix = "/var/lib/dnsd/";
        auto file_of = [&](const dns::wire::Name& n) {
            std::string p = sd.path_of(n);
            REQUIRE(p.compare(0, prefix.size(), prefix) == 0);
            return p.substr(prefix.size());
        };
        auto safe = [](const std::string& f) {
            if (f.empty() || f == "." || f == "..") return false;
            for (unsigned char c : f)
                if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                      c == '.' || c == '%'))
                    return false;
            return true;
        };
        CHECK(file_of(N("a/b.example.")) == "a%2fb.example.zone");
        CHECK(file_of(N("a\\032b.example.")) == "a%5c032b.example.zone");  // a space
        CHECK(file_of(N("\\.\\..example.")) == "%5c.%5c..example.zone");   // a label ".."
        CHECK(file_of(N("\\.\\./\\.\\./etc/passwd.")) == "%5c.%5c.%2f%5c.%5c.%2fetc%2fpasswd.zone");
        CHECK(file_of(N("100%.example.")) == "100%25.example.zone");

        const char* odd[] = {"a/b.example.",     "\\.\\./\\.\\./etc/passwd.",
                             "a\\032b.example.", "\\000.example.",
                             "\\255x.example.",  "\\.\\..example.",
                             "*.example.",       "a\\\\b.example.",
                             "a:b.example.",     "100%.example.",
                             "%2f.example."};
        std::vector<std::string> files;
        for (const char* text : odd) {
            CAPTURE(text);
            std::string f = file_of(N(text));
            CHECK(f.find('/') == std::string::npos);
            CHECK(safe(f));
            files.push_back(f);
        }
        // Distinct names, distinct files.
        for (size_t i = 0; i < files.size(); ++i)
            for (size_t j = i + 1; j < files.size(); ++j) {
                CAPTURE(files[i]);
                CHECK(files[i] != files[j]);
            }
    }

    TEST_CASE("path_of: the root zone and a zone named \"root\" do not share a file") {
        StateDir sd("/var/lib/dnsd");
        CHECK(sd.path_of(N(".")) != sd.path_of(N("root.")));
    }

    TEST_CASE("save/load of zones with odd names stays inside the directory") {
        TempDir dir;
        std::string inner = dir.path + "/state";
        StateDir sd(inner);
        REQUIRE(sd.prepare().has_value());
        CHECK(fs::is_directory(inner));
        for (const char* text :
             {"a/b.example.", "\\.\\./\\.\\./x.", "a\\032b.example.", "UPPER.Example."}) {
            CAPTURE(text);
            auto name = N(text);
            REQUIRE(sd.save(*tiny_zone(name, 7), 9).has_value());
            auto l = sd.load(name);
            REQUIRE_MESSAGE(l.has_value(), l.error().message);
            CHECK(l->zone->apex() == name);
            CHECK(l->zone->serial() == 7);
            CHECK(l->verified_unix == 9);
        }
        CHECK(files_in(inner) == 4);
        CHECK(files_in(dir.path) == 1);  // only "state"
    }

    TEST_CASE("prepare(): creates the directory; fails where it cannot") {
        TempDir dir;
        StateDir sd(dir.path + "/new");
        REQUIRE(sd.prepare().has_value());
        CHECK(fs::is_directory(dir.path + "/new"));
        CHECK(sd.prepare().has_value());  // already there

        write_file(dir.path + "/file", {1, 2, 3});
        StateDir under_file(dir.path + "/file/state");
        auto r = under_file.prepare();
        REQUIRE(!r.has_value());
        CHECK(r.error().code == dns::Errc::io);
        StateDir deep(dir.path + "/no/such/parent");
        CHECK(!deep.prepare().has_value());

        StateDir off("");
        CHECK(!off.enabled());
    }

    TEST_CASE("save into a missing directory fails cleanly") {
        TempDir dir;
        StateDir sd(dir.path + "/missing");
        auto r = sd.save(*tiny_zone(N("example.org.")), 1);
        REQUIRE(!r.has_value());
        CHECK(r.error().code == dns::Errc::io);
    }

    TEST_CASE(
        "journal: IXFR differences appended after the snapshot are applied at load; a save clears "
        "them") {
        TempDir dir;
        StateDir sd(dir.path);
        auto v1 = parse(zone_text(1, "").c_str());
        auto v2 = parse(zone_text(2, "new A 192.0.2.99\n").c_str());
        auto v3 = parse(zone_text(3, "new A 192.0.2.98\nnew2 TXT \"x\"\n").c_str());
        REQUIRE(sd.save(*v1, 100).has_value());
        std::vector<dns::xfr::Diff> d12{diff_of(*v1, *v2)}, d23{diff_of(*v2, *v3)};
        REQUIRE(sd.append(N("example.com."), d12, 200).has_value());
        auto loaded = sd.load(N("example.com."));
        REQUIRE(loaded.has_value());
        CHECK(loaded->zone->serial() == 2);
        CHECK(loaded->journal_entries == 1);
        CHECK(loaded->verified_unix == 200);
        CHECK(sorted_flat(*loaded->zone) == sorted_flat(*v2));

        REQUIRE(sd.append(N("example.com."), d23, 300).has_value());
        loaded = sd.load(N("example.com."));
        REQUIRE(loaded.has_value());
        CHECK(loaded->zone->serial() == 3);
        CHECK(loaded->journal_entries == 2);
        CHECK(sorted_flat(*loaded->zone) == sorted_flat(*v3));
        CHECK(sd.sizes(N("example.com.")).second > 0);

        REQUIRE(sd.save(*v3, 400).has_value());
        CHECK(sd.sizes(N("example.com.")).second == 0);  // the journal is gone
        loaded = sd.load(N("example.com."));
        REQUIRE(loaded.has_value());
        CHECK(loaded->zone->serial() == 3);
        CHECK(loaded->journal_entries == 0);

        sd.remove(N("example.com."));
        CHECK(files_in(dir.path) == 0);
    }

    TEST_CASE("journal: a torn last entry is cut off; entries that do not follow on are skipped") {
        TempDir dir;
        StateDir sd(dir.path);
        auto v1 = parse(zone_text(1, "").c_str());
        auto v2 = parse(zone_text(2, "new A 192.0.2.99\n").c_str());
        auto v3 = parse(zone_text(3, "").c_str());
        REQUIRE(sd.save(*v1, 100).has_value());
        std::vector<dns::xfr::Diff> d12{diff_of(*v1, *v2)}, d23{diff_of(*v2, *v3)};
        REQUIRE(sd.append(N("example.com."), d12, 200).has_value());
        size_t good = sd.sizes(N("example.com.")).second;
        REQUIRE(sd.append(N("example.com."), d23, 300).has_value());
        // A crash in the middle of the second append.
        std::string jpath = sd.journal_of(N("example.com.")).path();
        auto bytes = read_file(jpath);
        bytes.resize(bytes.size() - 5);
        write_file(jpath, bytes);
        auto loaded = sd.load(N("example.com."));
        REQUIRE(loaded.has_value());
        CHECK(loaded->zone->serial() == 2);
        CHECK(loaded->journal_note.find("torn") != std::string::npos);
        CHECK(sd.sizes(N("example.com.")).second == good);  // cut back to the good entries
        // Appending again continues a valid journal.
        REQUIRE(sd.append(N("example.com."), d23, 300).has_value());
        loaded = sd.load(N("example.com."));
        REQUIRE(loaded.has_value());
        CHECK(loaded->zone->serial() == 3);

        // Entries from another serial (left by a crash between a save and the
        // journal's removal) are skipped.
        TempDir dir2;
        StateDir sd2(dir2.path);
        REQUIRE(sd2.save(*v2, 100).has_value());
        REQUIRE(sd2.append(N("example.com."), d12, 200).has_value());
        loaded = sd2.load(N("example.com."));
        REQUIRE(loaded.has_value());
        CHECK(loaded->zone->serial() == 2);
        CHECK(loaded->journal_entries == 0);
        CHECK(loaded->verified_unix == 100);

        // Garbage instead of a journal: ignored, with a note.
        write_file(jpath, {1, 2, 3, 4, 5, 6, 7, 8, 9});
        loaded = sd.load(N("example.com."));
        REQUIRE(loaded.has_value());
        CHECK(loaded->zone->serial() == 1);
        CHECK(!loaded->journal_note.empty());
    }

    TEST_CASE(
        "StateWriter::append journals IXFRs, merges pending ones, and rewrites the snapshot when "
        "the journal grows") {
        TempDir dir;
        StateDir sd(dir.path);
        auto v1 = parse(zone_text(1, "").c_str());
        {
            dns::io::StateWriter w(sd);
            w.save(v1, 100, "192.0.2.1:53");
            w.flush();
            dns::zone::ZonePtr prev = v1;
            for (uint32_t serial = 2; serial <= 40; ++serial) {
                std::string extra;
                for (uint32_t i = 0; i < serial; ++i)
                    extra += "n" + std::to_string(i) + " TXT \"" + std::string(40, 'x') + "\"\n";
                auto next = parse(zone_text(serial, extra.c_str()).c_str());
                w.append(next, {diff_of(*prev, *next)}, 100 + serial, "192.0.2.1:53");
                if (serial % 3 == 0) w.flush();
                prev = next;
            }
            w.flush();
            auto [snapshot, journal] = sd.sizes(N("example.com."));
            CHECK(journal <= snapshot / 2 + 4096);  // compacted along the way
            auto loaded = sd.load(N("example.com."));
            REQUIRE(loaded.has_value());
            CHECK(loaded->zone->serial() == 40);
            CHECK(loaded->verified_unix == 140);
            CHECK(loaded->primary == "192.0.2.1:53");
            CHECK(sorted_flat(*loaded->zone) == sorted_flat(*prev));
        }
    }

}  // TEST_SUITE

TEST_SUITE("zone_pack") {
    const std::string kPackFile = "zones.pack";

    TEST_CASE("small zones share one pack file; load, touch, remove and a reopen agree") {
        TempDir dir;
        std::vector<dns::zone::ZonePtr> zones;
        for (int i = 0; i < 200; ++i)
            zones.push_back(tiny_zone(N(("p" + std::to_string(i) + ".example.").c_str()), 5 + i));
        {
            StateDir sd(dir.path, nullptr, 16384);
            REQUIRE(sd.prepare().has_value());
            dns::io::StateWriter w(sd);
            for (const auto& z : zones) w.save(z, 1700000000 + z->serial(), "192.0.2.7:53");
            w.flush();
            CHECK(files_in(dir.path) == 1);  // the pack, and no file per zone
            CHECK(fs::exists(dir.path + "/" + kPackFile));
            CHECK(sd.packed(N("P7.Example.")));
            CHECK(sd.touch(N("p7.example."), 1800000000).has_value());
            sd.remove(N("p8.example."));
            CHECK(sd.load(N("p8.example.")).error().code == dns::Errc::not_found);
            CHECK_FALSE(sd.touch(N("nothere.example."), 1).has_value());
        }
        StateDir again(dir.path, nullptr, 16384);
        REQUIRE(again.prepare().has_value());
        for (const auto& z : zones) {
            auto loaded = again.load(z->apex());
            if (z->apex() == N("p8.example.")) {
                CHECK_FALSE(loaded.has_value());
                continue;
            }
            REQUIRE_MESSAGE(loaded.has_value(), z->apex().to_text());
            CHECK(loaded->zone->serial() == z->serial());
            CHECK(loaded->primary == "192.0.2.7:53");
            CHECK(flat(*loaded->zone) == flat(*z));
            CHECK(loaded->verified_unix ==
                  (z->apex() == N("p7.example.") ? 1800000000 : 1700000000 + z->serial()));
        }
    }

    TEST_CASE("a zone moves between the pack and a file of its own as it grows and shrinks") {
        TempDir dir;
        StateDir sd(dir.path, nullptr, 2048);
        REQUIRE(sd.prepare().has_value());
        auto small = parse(zone_text(1, "").c_str());
        std::string extra;
        for (int i = 0; i < 60; ++i)
            extra += "n" + std::to_string(i) + " TXT \"" + std::string(60, 'y') + "\"\n";
        auto big = parse(zone_text(2, extra.c_str()).c_str());
        const auto apex = N("example.com.");
        REQUIRE(sd.save(*small, 100).has_value());
        CHECK(sd.packed(apex));
        CHECK_FALSE(fs::exists(sd.path_of(apex)));
        REQUIRE(sd.save(*big, 200).has_value());  // grew out of the pack
        CHECK_FALSE(sd.packed(apex));
        CHECK(fs::exists(sd.path_of(apex)));
        auto loaded = sd.load(apex);
        REQUIRE(loaded.has_value());
        CHECK(loaded->zone->serial() == 2);
        // A journal on the file, then back into the pack: file and journal go.
        auto big3 = parse(zone_text(3, extra.c_str()).c_str());
        std::vector<dns::xfr::Diff> d{diff_of(*big, *big3)};
        REQUIRE(sd.append(apex, d, 300).has_value());
        CHECK(sd.sizes(apex).second > 0);
        auto small4 = parse(zone_text(4, "").c_str());
        REQUIRE(sd.save(*small4, 400).has_value());
        CHECK(sd.packed(apex));
        CHECK_FALSE(fs::exists(sd.path_of(apex)));
        CHECK(sd.sizes(apex).second == 0);
        StateDir again(dir.path, nullptr, 2048);
        REQUIRE(again.prepare().has_value());
        loaded = again.load(apex);
        REQUIRE(loaded.has_value());
        CHECK(loaded->zone->serial() == 4);
        CHECK(loaded->verified_unix == 400);
    }

    TEST_CASE(
        "a copy in a file and in the pack (a crash between the two): the one verified last wins") {
        TempDir dir;
        auto v1 = parse(zone_text(1, "").c_str());
        auto v2 = parse(zone_text(2, "").c_str());
        const auto apex = N("example.com.");
        {
            StateDir files(dir.path);  // no pack: a file
            REQUIRE(files.save(*v2, 500).has_value());
        }
        dns::io::ZonePack pack(dir.path + "/" + kPackFile);
        auto key = apex.lowercased();
        std::vector<dns::io::ZonePack::Put> puts{
            {{key.data(), key.data() + key.size()}, dns::xfr::encode_snapshot(*v1, 400, "")}};
        REQUIRE(pack.write(puts, {}).has_value());
        {
            StateDir sd(dir.path, nullptr, 16384);
            REQUIRE(sd.prepare().has_value());
            auto loaded = sd.load(apex);
            REQUIRE(loaded.has_value());
            CHECK(loaded->zone->serial() == 2);  // the file, verified at 500
        }
        puts[0].snapshot = dns::xfr::encode_snapshot(*v1, 600, "");
        REQUIRE(pack.write(puts, {}).has_value());
        StateDir sd(dir.path, nullptr, 16384);
        REQUIRE(sd.prepare().has_value());
        auto loaded = sd.load(apex);
        REQUIRE(loaded.has_value());
        CHECK(loaded->zone->serial() == 1);  // the pack, verified at 600
    }

    TEST_CASE("a torn pack, cut at every length of its last record: the earlier zones load") {
        TempDir dir;
        const std::string path = dir.path + "/" + kPackFile;
        auto a = tiny_zone(N("a.example."), 1), b1 = tiny_zone(N("b.example."), 1),
             b2 = tiny_zone(N("b.example."), 2);
        {
            StateDir sd(dir.path, nullptr, 16384);
            REQUIRE(sd.prepare().has_value());
            REQUIRE(sd.save(*a, 10).has_value());
            REQUIRE(sd.save(*b1, 10).has_value());
        }
        const size_t good = fs::file_size(path);
        {
            StateDir sd(dir.path, nullptr, 16384);
            REQUIRE(sd.save(*b2, 20).has_value());
        }
        const auto whole = read_file(path);
        for (size_t len = good; len < whole.size(); ++len) {
            CAPTURE(len);
            write_file(path, {whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(len)});
            StateDir sd(dir.path, nullptr, 16384);
            REQUIRE(sd.prepare().has_value());
            auto la = sd.load(N("a.example."));
            auto lb = sd.load(N("b.example."));
            REQUIRE(la.has_value());
            REQUIRE(lb.has_value());
            CHECK(lb->zone->serial() == 1);      // the torn version is not used
            CHECK(fs::file_size(path) == good);  // cut back
            // Writing goes on from there.
            REQUIRE(sd.save(*b2, 30).has_value());
            CHECK(sd.load(N("b.example."))->zone->serial() == 2);
        }
        // A flipped byte inside the last record: it is dropped, not misread.
        auto bad = whole;
        bad[good + 20] ^= 0x40;
        write_file(path, bad);
        dns::io::ZonePack pack(path);
        REQUIRE(pack.open().has_value());
        CHECK(pack.note().find("cut off") != std::string::npos);
        CHECK(pack.size() == 2);
    }

    TEST_CASE("a file that is not a pack is refused with its name") {
        TempDir dir;
        write_file(dir.path + "/" + kPackFile, {'n', 'o', 't', ' ', 'a', ' ', 'p', 'a', 'c', 'k'});
        StateDir sd(dir.path, nullptr, 16384);
        auto r = sd.prepare();
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().message.find(kPackFile) != std::string::npos);
        CHECK(r.error().message.find("not a zone pack") != std::string::npos);
    }

    TEST_CASE("rewriting zones again and again compacts the pack; every zone still loads") {
        TempDir dir;
        const std::string path = dir.path + "/" + kPackFile;
        StateDir sd(dir.path, nullptr, 16384);
        REQUIRE(sd.prepare().has_value());
        std::vector<dns::wire::Name> names;
        for (int i = 0; i < 500; ++i)
            names.push_back(N(("c" + std::to_string(i) + ".example.").c_str()));
        size_t largest = 0, before = 0;
        bool shrank = false;
        uint32_t serial = 1;
        for (; serial <= 100; ++serial) {
            std::vector<dns::zone::ZonePtr> keep;
            std::vector<StateDir::SaveRequest> reqs;
            static const std::string primary = "192.0.2.1:53";
            for (const auto& n : names) {
                keep.push_back(tiny_zone(n, serial));
                reqs.push_back({keep.back().get(), serial, &primary});
            }
            for (const auto& r : sd.save_many(reqs)) REQUIRE(r.has_value());
            const size_t now = fs::file_size(path);
            largest = std::max(largest, now);
            shrank |= now < before;
            before = now;
        }
        CHECK(largest > 4u << 20);  // it grew past the compaction threshold ...
        CHECK(shrank);              // ... and was compacted
        StateDir again(dir.path, nullptr, 16384);
        REQUIRE(again.prepare().has_value());
        for (const auto& n : names) {
            auto loaded = again.load(n);
            REQUIRE(loaded.has_value());
            CHECK(loaded->zone->serial() == serial - 1);
        }
    }

    TEST_CASE("StateWriter::append on a packed zone rewrites it whole in the pack") {
        TempDir dir;
        StateDir sd(dir.path, nullptr, 16384);
        REQUIRE(sd.prepare().has_value());
        auto v1 = parse(zone_text(1, "").c_str());
        auto v2 = parse(zone_text(2, "new A 192.0.2.99\n").c_str());
        {
            dns::io::StateWriter w(sd);
            w.save(v1, 100, "192.0.2.1:53");
            w.flush();
            w.append(v2, {diff_of(*v1, *v2)}, 200, "192.0.2.1:53");
            w.flush();
        }
        CHECK(files_in(dir.path) == 1);  // no journal file
        auto loaded = sd.load(N("example.com."));
        REQUIRE(loaded.has_value());
        CHECK(loaded->zone->serial() == 2);
        CHECK(loaded->journal_entries == 0);
        CHECK(sorted_flat(*loaded->zone) == sorted_flat(*v2));
    }
}
