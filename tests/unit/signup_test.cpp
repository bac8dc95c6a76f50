// signup-web's modules: input checks, RNAME to mail address, tokens, its
// store (token life cycle, rate-limit counts), the mail as sent, DS digests.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <set>

#include "lib/http/server.hpp"
#include "signup-web/lookup.hpp"
#include "signup-web/mailer.hpp"
#include "signup-web/store.hpp"
#include "signup-web/tokens.hpp"
#include "signup-web/validate.hpp"

namespace {

dns::wire::Name N(const char* s) { return dns::wire::Name::from_text(s).value(); }

std::shared_ptr<const signup::PublicSuffixes> psl() {
    static auto p = signup::PublicSuffixes::load().value();
    return p;
}

}  // namespace

TEST_SUITE("signup") {
    TEST_CASE("RNAME to mail address: the first unescaped dot is the @") {
        using signup::mailbox_of;
        CHECK(mailbox_of(N("hostmaster.example.com.")).value() == "hostmaster@example.com");
        CHECK(mailbox_of(N("hostmaster\\.dns.example.com.")).value() ==
              "hostmaster.dns@example.com");
        CHECK(mailbox_of(N("a\\.b\\.c.Example.COM.")).value() == "a.b.c@example.com");
        CHECK(mailbox_of(N("dns-admin+zones.sub.example.org.")).value() ==
              "dns-admin+zones@sub.example.org");
        // The local part keeps its case (mailboxes may be case-sensitive).
        CHECK(mailbox_of(N("HostMaster.example.com.")).value() == "HostMaster@example.com");
        // Not a usable address.
        CHECK_FALSE(mailbox_of(N(".")));
        CHECK_FALSE(mailbox_of(N("com.")));
        CHECK_FALSE(mailbox_of(N("hostmaster.com.")));               // no domain of two labels
        CHECK_FALSE(mailbox_of(N("host\\@master.example.com.")));    // '@' in the local part
        CHECK_FALSE(mailbox_of(N("host\\032master.example.com.")));  // a space
        CHECK_FALSE(mailbox_of(N("host\\010master.example.com.")));  // a control character
        CHECK_FALSE(mailbox_of(N("h\\200.example.com.")));           // not ASCII
        CHECK_FALSE(mailbox_of(N("\\.h.example.com.")));             // leading dot
        CHECK_FALSE(mailbox_of(N("h\\.\\.x.example.com.")));         // two dots
        CHECK_FALSE(mailbox_of(N("h.ex\\.ample.com.")));             // dot inside a domain label
        CHECK_FALSE(mailbox_of(N("h.ex\\<ample.com.")));
        auto e = mailbox_of(N("h\\032x.example.com."));
        CHECK(e.error().message.find("mail cannot carry") != std::string::npos);
    }

    TEST_CASE("domains: names only, not the root, not a public suffix") {
        using signup::parse_domain;
        CHECK(parse_domain("Example.COM", *psl()).value().to_text() == "example.com.");
        CHECK(parse_domain("  shop.example.co.uk. ", *psl()).value().to_text() ==
              "shop.example.co.uk.");
        CHECK(parse_domain("xn--bcher-kva.example", *psl()).value().to_text() ==
              "xn--bcher-kva.example.");
        for (const char* suffix :
             {"com", "co.uk", "uk", "github.io", "example", "zz-unknown-tld"}) {
            auto r = parse_domain(suffix, *psl());
            REQUIRE_FALSE(r);
            CHECK(r.error().message.find("public suffix") != std::string::npos);
        }
        for (const char* bad : {"", ".", "exa mple.com", "a..b.com", "user@example.com",
                                "http://example.com", "ex\\ample.com", "bücher.example"}) {
            CAPTURE(bad);
            CHECK_FALSE(parse_domain(bad, *psl()));
        }
        std::string long_label(64, 'a');
        CHECK_FALSE(parse_domain(long_label + ".com", *psl()));
    }

    TEST_CASE("primaries: public addresses only, unless allowed") {
        using signup::parse_primaries;
        auto two = parse_primaries("192.0.32.10, [2001:500:88:200::10]:5353", false).value();
        REQUIRE(two.size() == 2);
        CHECK(two[0].port == 53);
        CHECK(two[1].port == 5353);
        CHECK(parse_primaries("8.8.8.8\n9.9.9.9;1.1.1.1", false).value().size() == 3);
        for (const char* inside :
             {"127.0.0.1",       "10.1.2.3",   "172.16.0.1",   "192.168.1.1",
              "169.254.0.1",     "100.64.0.1", "0.0.0.0",      "224.0.0.1",
              "255.255.255.255", "192.0.2.1",  "198.51.100.1", "203.0.113.1",
              "198.18.0.1",      "::1",        "::",           "fe80::1",
              "fc00::1",         "ff02::1",    "2001:db8::1",  "::ffff:10.0.0.1",
              "::ffff:127.0.0.1"}) {
            CAPTURE(inside);
            auto r = parse_primaries(inside, false);
            REQUIRE_FALSE(r);
            CHECK(r.error().message.find("not a public address") != std::string::npos);
            CHECK(parse_primaries(inside, true));  // the flag for local tests and the demo
        }
        CHECK(parse_primaries("::ffff:8.8.8.8", false));
        CHECK_FALSE(parse_primaries("", false));
        CHECK_FALSE(parse_primaries("ns1.example.net", false));
        CHECK_FALSE(parse_primaries("8.8.8.8:99999", false));
        CHECK_FALSE(parse_primaries("8.8.8.8 8.8.8.8", false));  // twice
        CHECK_FALSE(
            parse_primaries("1.1.1.1 1.0.0.1 8.8.8.8 8.8.4.4 9.9.9.9 149.112.112.112 "
                            "208.67.222.222 208.67.220.220 4.2.2.2",
                            false));  // more than 8
    }

    TEST_CASE("lib/http: form bodies and cookies as the forms send them") {
        auto f = dns::http::parse_form(
            "domain=Example.COM&primaries=192.0.2.1%2C+%5B2001%3Adb8%3A%3A1%5D&x=&y&bad=%zz%4");
        CHECK(f["domain"] == "Example.COM");
        CHECK(f["primaries"] == "192.0.2.1, [2001:db8::1]");
        CHECK(f["x"].empty());
        CHECK(f.count("y") == 1);
        CHECK(f["bad"] == "%zz%4");
        dns::http::Request r;
        r.headers["cookie"] = "a=1; csrf=abc; b=2";
        CHECK(dns::http::cookie(r, "csrf") == "abc");
        CHECK(dns::http::cookie(r, "c").empty());
    }

    TEST_CASE("HTML escaping") {
        CHECK(signup::html_escape("<a href=\"x\">O'Neil & co</a>") ==
              "&lt;a href=&quot;x&quot;&gt;O&#39;Neil &amp; co&lt;/a&gt;");
    }

    TEST_CASE("tokens: 256 random bits in base64url, kept only as SHA-256") {
        std::set<std::string> seen;
        for (int i = 0; i < 1000; ++i) {
            auto t = signup::new_token();
            CHECK(t.size() == 43);
            CHECK(t.find_first_not_of(
                      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
                  std::string::npos);
            CHECK(seen.insert(t).second);
        }
        CHECK(signup::token_hash("abc") ==
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        CHECK(signup::same_secret("abc", "abc"));
        CHECK_FALSE(signup::same_secret("abc", "abd"));
        CHECK_FALSE(signup::same_secret("", ""));
    }

    TEST_CASE("store: a token works once, expires, and is kept only hashed") {
        auto dir =
            std::filesystem::temp_directory_path() / ("signup_test_" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir);
        const std::string path = (dir / "signup.db").string();
        {
            auto store = signup::Store::open(path).value();
            CHECK_FALSE(signup::Store::open(path));  // a second writer is refused
            const std::string token = signup::new_token();
            signup::PendingRequest r;
            r.zone = "example.com.";
            r.primaries = "192.0.32.10:53";
            r.mailbox = "hostmaster@example.com";
            r.client = "198.51.100.7";
            r.created = 1000;
            r.expires = 1000 + 86400;
            REQUIRE(store->add_request(r, signup::token_hash(token)));
            CHECK(store->pending_for(r.mailbox, 2000).value() == 1);
            CHECK(store->request(token, 2000).error().code == dns::Errc::not_found);  // raw token
            auto got = store->request(signup::token_hash(token), 2000).value();
            CHECK(got.zone == "example.com.");
            CHECK(got.action == signup::Action::add);
            CHECK(store->use_request(got.id, 2001).value());
            CHECK_FALSE(store->use_request(got.id, 2002).value());  // a racing second confirm
            auto again = store->request(signup::token_hash(token), 2003);
            REQUIRE_FALSE(again);
            CHECK(again.error().message.find("already used") != std::string::npos);
            CHECK(store->unuse_request(got.id));  // the action failed: usable again
            CHECK(store->request(signup::token_hash(token), 2004));
            auto late = store->request(signup::token_hash(token), 1000 + 86400);
            REQUIRE_FALSE(late);
            CHECK(late.error().message.find("expired") != std::string::npos);
            CHECK(store->pending_for(r.mailbox, 1000 + 86400).value() == 0);
            // Rate-limit counts.
            for (int i = 0; i < 3; ++i)
                REQUIRE(store->record_mail("a@example.com", "example.com.", "198.51.100.7",
                                           "confirm", 5000 + i));
            REQUIRE(store->record_mail("a@example.com", "other.example.", "198.51.100.8", "confirm",
                                       5003));
            REQUIRE(store->record_mail("a@example.com", "other.example.", "198.51.100.8", "alert",
                                       5004));
            auto c =
                store->mails_since("a@example.com", "example.com.", "198.51.100.7", 5001).value();
            CHECK(c.mailbox == 3);
            CHECK(c.zone == 2);
            CHECK(c.client == 2);
            CHECK(c.mailbox_zone == 2);
            REQUIRE(store->add_zone("example.com.", "a@example.com", 5000));
            REQUIRE(store->pause_alerts("example.com."));
            CHECK(store->zone("example.com.").value()->alerts_paused);
            CHECK_FALSE(store->zone("nothere.example.").value());
        }
        {  // across a restart
            auto store = signup::Store::open(path).value();
            CHECK(store->zones().value().size() == 1);
            CHECK(store->prune(1000 + 86400 + 1));
            CHECK(store->pending_for("hostmaster@example.com", 0).value() == 0);
        }
        std::filesystem::remove_all(dir);
    }

    TEST_CASE("the mail as sent: headers, CRLF, no header injection") {
        signup::Mail m{"hostmaster@example.com", "Confirm example.com\r\nBcc: x@evil.example",
                       "Line one\nLine two\n"};
        auto text = signup::render_message(m, "signup@service.example", 0);
        CHECK(text.find("Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n") == 0);
        CHECK(text.find("To: hostmaster@example.com\r\n") != std::string::npos);
        CHECK(text.find("\r\nBcc:") == std::string::npos);
        CHECK(text.find("Auto-Submitted: auto-generated\r\n") != std::string::npos);
        CHECK(text.find("\r\n\r\nLine one\r\nLine two\r\n") != std::string::npos);
    }

    TEST_CASE("DS digests and key tags (RFC 4034 §5.4 example)") {
        // dskey.example.com. DNSKEY 256 3 5 AQOeiiR0GOMYkDshWoSKz9Xz... (RFC 4034 §5.4)
        // has key tag 60485 and DS digest (SHA-1) 2BB183AF5F22588179A53B0A98631FAD1A292118.
        const char* b64 =
            "AQOeiiR0GOMYkDshWoSKz9XzfwJr1AYtsmx3TGkJaNXVbfi/"
            "2pHm822aJ5iI9BMzNXxeYCmZDRD99WYwYqUSdjMmmAphXdvxegXd/"
            "M5+X7OrzKBaMbCVdFLUUh6DhweJBjEVv5f2wwjM9XzcnOf+EPbtG9DMBmADjFDc2w/rljwvFw==";
        std::string rdata;
        rdata += static_cast<char>(1);  // flags 256 (zone key), protocol 3, algorithm 5
        rdata += static_cast<char>(0);
        rdata += static_cast<char>(3);
        rdata += static_cast<char>(5);
        // base64 decode (small inline decoder, test only)
        auto val = [](char c) -> int {
            if (c >= 'A' && c <= 'Z') return c - 'A';
            if (c >= 'a' && c <= 'z') return c - 'a' + 26;
            if (c >= '0' && c <= '9') return c - '0' + 52;
            return c == '+' ? 62 : c == '/' ? 63 : -1;
        };
        int acc = 0, bits = 0;
        for (const char* p = b64; *p; ++p) {
            int v = val(*p);
            if (v < 0) continue;
            acc = acc << 6 | v;
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                rdata += static_cast<char>((acc >> bits) & 0xFF);
            }
        }
        CHECK(signup::key_tag(rdata) == 60485);
        auto d = signup::ds_digest(N("DSKEY.example.com."), rdata, 1);
        std::string hex;
        for (unsigned char c : d) {
            static const char* h = "0123456789ABCDEF";
            hex += h[c >> 4];
            hex += h[c & 15];
        }
        CHECK(hex == "2BB183AF5F22588179A53B0A98631FAD1A292118");
        CHECK(signup::ds_digest(N("dskey.example.com."), rdata, 3).empty());  // GOST: not checked
    }
}
