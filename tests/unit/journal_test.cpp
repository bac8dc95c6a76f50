// lib/xfr/journal: the on-disk journal of differences, on its own: entries
// in order, a torn or corrupted tail cut off at the last good entry, a file
// that is not a journal refused, and the record encoding at its limits.

#include "lib/xfr/journal.hpp"

#include <doctest/doctest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "lib/wire/rrtype.hpp"
#include "test_util.hpp"

using dns::xfr::Diff;
using dns::xfr::Journal;
using dns::xfr::Record;
using test::N;

namespace {

std::string wire(const char* name) {
    auto n = N(name);
    return std::string(reinterpret_cast<const char*>(n.data()), n.size());
}

Diff diff(uint32_t from, uint32_t to, int n) {
    Diff d{from, to, {}, {}};
    d.removed.push_back({wire("example.com."), dns::wire::type::SOA, 60, "old"});
    d.added.push_back({wire("example.com."), dns::wire::type::SOA, 60, "new"});
    for (int i = 0; i < n; ++i)
        d.added.push_back({wire(("h" + std::to_string(i) + ".example.com.").c_str()),
                           dns::wire::type::TXT, 300, std::string(1, static_cast<char>(i))});
    return d;
}

struct TempFile {
    std::string dir, path;
    TempFile() {
        char tmpl[] = "/tmp/journal_test.XXXXXX";
        REQUIRE(mkdtemp(tmpl));
        dir = tmpl;
        path = dir + "/z.journal";
    }
    ~TempFile() { std::filesystem::remove_all(dir); }
};

}  // namespace

TEST_SUITE("journal") {
    TEST_CASE("entries come back in order with their stamps; sizes grow; clear() removes") {
        TempFile f;
        Journal j(f.path);
        CHECK(j.size() == 0);
        auto e0 = j.read();
        REQUIRE(e0.has_value());
        CHECK(e0->empty());
        std::vector<Diff> a = {diff(1, 2, 3), diff(2, 3, 0)};
        auto s1 = j.append(a, 111);
        REQUIRE(s1.has_value());
        auto s2 = j.append(std::vector<Diff>{diff(3, 4, 10)}, 222);
        REQUIRE(s2.has_value());
        CHECK(*s2 > *s1);
        CHECK(j.size() == *s2);
        auto e = j.read();
        REQUIRE(e.has_value());
        REQUIRE(e->size() == 3);
        CHECK((*e)[0].diff.from == 1);
        CHECK((*e)[0].diff.added.size() == 4);
        CHECK((*e)[0].stamp == 111);
        CHECK((*e)[1].diff.to == 3);
        CHECK((*e)[2].stamp == 222);
        CHECK((*e)[2].diff.added[10].rdata == std::string(1, '\x09'));
        j.clear();
        CHECK(j.size() == 0);
    }

    TEST_CASE("a torn tail, at every length, ends the journal at the last whole entry") {
        TempFile f;
        Journal j(f.path);
        REQUIRE(j.append(std::vector<Diff>{diff(1, 2, 2)}, 1).has_value());
        const size_t good = j.size();
        REQUIRE(j.append(std::vector<Diff>{diff(2, 3, 5)}, 2).has_value());
        const size_t full = j.size();
        std::vector<char> bytes(full);
        {
            std::ifstream in(f.path, std::ios::binary);
            in.read(bytes.data(), static_cast<std::streamsize>(full));
        }
        for (size_t cut = good; cut < full; ++cut) {
            CAPTURE(cut);
            {
                std::ofstream out(f.path, std::ios::binary | std::ios::trunc);
                out.write(bytes.data(), static_cast<std::streamsize>(cut));
            }
            size_t valid = 0;
            auto e = Journal(f.path).read(&valid);
            REQUIRE(e.has_value());
            CHECK(e->size() == 1);
            CHECK(valid == good);
        }
        // A flipped byte in the last entry's payload fails its checksum.
        {
            std::vector<char> bad = bytes;
            bad[full - 10] ^= 0x40;
            std::ofstream out(f.path, std::ios::binary | std::ios::trunc);
            out.write(bad.data(), static_cast<std::streamsize>(full));
        }
        size_t valid = 0;
        auto e = Journal(f.path).read(&valid);
        REQUIRE(e.has_value());
        CHECK(e->size() == 1);
        CHECK(valid == good);
        REQUIRE(Journal(f.path).truncate(valid).has_value());
        CHECK(Journal(f.path).size() == good);
    }

    TEST_CASE("a file that is not a journal is refused") {
        TempFile f;
        {
            std::ofstream out(f.path, std::ios::binary);
            out << "this is not a journal at all";
        }
        CHECK_FALSE(Journal(f.path).read().has_value());
    }

    TEST_CASE("records: encode/decode round trip, and truncated input is refused at every length") {
        Record r{wire("www.example.com."), dns::wire::type::A, 3600,
                 std::string("\xc0\x00\x02\x01", 4)};
        std::vector<uint8_t> b;
        dns::xfr::encode_record(b, r);
        Record back;
        const uint8_t* p = b.data();
        REQUIRE(dns::xfr::decode_record(p, b.data() + b.size(), back));
        CHECK(p == b.data() + b.size());
        CHECK(back.owner == r.owner);
        CHECK(back.type == r.type);
        CHECK(back.ttl == r.ttl);
        CHECK(back.rdata == r.rdata);
        for (size_t n = 0; n < b.size(); ++n) {
            const uint8_t* q = b.data();
            CHECK_FALSE(dns::xfr::decode_record(q, b.data() + n, back));
        }
    }

}  // TEST_SUITE
