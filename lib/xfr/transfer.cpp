#include "lib/xfr/transfer.hpp"

#include <cstring>

#include "lib/base/serial.hpp"
#include "lib/wire/message.hpp"
#include "lib/wire/rrtype.hpp"
#include "lib/wire/writer.hpp"
#include "lib/zone/update.hpp"

namespace dns::xfr {

namespace t = wire::type;

namespace {

uint32_t soa_serial(const uint8_t* rd, size_t len) {
    size_t a = wire::name_length(rd);
    size_t b = wire::name_length(rd + a);
    return a + b + 20 <= len ? wire::get32(rd + a + b) : 0;
}

}  // namespace

TransferIn::TransferIn(wire::Name zone, Kind kind, uint32_t serial, Limits limits)
    : zone_name_(std::move(zone)), kind_(kind), have_serial_(serial), limits_(limits) {}

std::vector<uint8_t> TransferIn::request(uint16_t id) const {
    wire::Message m;
    m.header.id = id;
    m.question.push_back({zone_name_, kind_ == Kind::axfr ? t::AXFR : t::IXFR, wire::rrclass::IN});
    // RFC 7314: ask for the EXPIRE option (the primary's SOA expire, or what
    // is left of an upstream secondary's timer).
    m.edns.present = true;
    m.edns.udp_size = 1232;
    m.edns.options.push_back({wire::edns_opt::EXPIRE, {}});
    if (kind_ == Kind::ixfr) {
        // RFC 1995 §3: our SOA in the authority section; only the serial matters.
        wire::RR soa{zone_name_, t::SOA, wire::rrclass::IN, 0, {}};
        soa.rdata.assign("\0\0", 2);
        uint8_t fixed[20] = {};
        wire::put32(fixed, have_serial_);
        soa.rdata.append(reinterpret_cast<const char*>(fixed), 20);
        m.authority.push_back(std::move(soa));
    }
    std::vector<uint8_t> out(512 + zone_name_.size() * 2);
    wire::Writer w(out.data(), out.size());
    bool ok = wire::write_message(m, w);
    (void)ok;  // sized for the largest name
    out.resize(w.size());
    const_cast<TransferIn*>(this)->id_ = id;
    const_cast<TransferIn*>(this)->id_known_ = true;
    return out;
}

TransferIn::Status TransferIn::fail(std::string why) {
    if (phase_ != Phase::failed) error_ = std::move(why);
    phase_ = Phase::failed;
    builder_.reset();
    // Nothing partial escapes a failed transfer.
    outcome_ = Outcome::none;
    zone_.reset();
    diffs_.clear();
    return Status::failed;
}

TransferIn::Status TransferIn::finish() {
    if (builder_) {
        if (builder_->out_of_zone())
            return fail(std::to_string(builder_->out_of_zone()) + " records outside the zone");
        auto z = builder_->build();
        builder_.reset();
        if (!z) return fail(z.error().message);
        zone_ = std::move(*z);
        outcome_ = Outcome::full_zone;
    } else {
        outcome_ = Outcome::incremental;
    }
    phase_ = Phase::done;
    return Status::done;
}

TransferIn::Status TransferIn::add_record(const uint8_t* owner, size_t owner_len, uint16_t type,
                                          uint32_t ttl, const uint8_t* rd, size_t rdlen) {
    if (limits_.max_records && ++records_ > limits_.max_records)
        return fail("more than " + std::to_string(limits_.max_records) + " records");
    if (!limits_.max_records) ++records_;
    const bool is_soa = type == t::SOA && wire::name_equal(owner, zone_name_.data());
    switch (phase_) {
        case Phase::start: {
            if (!is_soa) return fail("the transfer does not start with the zone's SOA");
            new_serial_ = soa_serial(rd, rdlen);
            first_soa_rdata_.assign(reinterpret_cast<const char*>(rd), rdlen);
            if (kind_ == Kind::axfr) {
                builder_ = std::make_unique<zone::Builder>(zone_name_);
                phase_ = Phase::axfr_body;
                auto r = builder_->add(owner, type, wire::rrclass::IN, ttl, {rd, rdlen});
                if (!r) return fail(r.error().message);
            } else {
                phase_ = Phase::after_first_soa;
                pending_.push_back({std::string(reinterpret_cast<const char*>(owner), owner_len),
                                    type, ttl, first_soa_rdata_});
            }
            return Status::more;
        }
        case Phase::after_first_soa: {
            if (is_soa && soa_serial(rd, rdlen) == have_serial_ && new_serial_ != have_serial_) {
                // Incremental: the old SOA opens the first difference.
                diffs_.push_back({have_serial_, 0, {}, {}});
                diffs_.back().removed.push_back(
                    {std::string(reinterpret_cast<const char*>(owner), owner_len), type, ttl,
                     std::string(reinterpret_cast<const char*>(rd), rdlen)});
                pending_.clear();
                phase_ = Phase::ixfr_removing;
                return Status::more;
            }
            // A full zone in IXFR clothing (RFC 1995 §4): build it like an AXFR.
            builder_ = std::make_unique<zone::Builder>(zone_name_);
            for (const auto& p : pending_) {
                auto r = builder_->add(
                    reinterpret_cast<const uint8_t*>(p.owner.data()), p.type, wire::rrclass::IN,
                    p.ttl, {reinterpret_cast<const uint8_t*>(p.rdata.data()), p.rdata.size()});
                if (!r) return fail(r.error().message);
            }
            pending_.clear();
            phase_ = Phase::axfr_body;
            --records_;  // counted once already, above
            return add_record(owner, owner_len, type, ttl, rd, rdlen);
        }
        case Phase::axfr_body: {
            if (is_soa) {
                if (rdlen != first_soa_rdata_.size() ||
                    std::memcmp(rd, first_soa_rdata_.data(), rdlen) != 0)
                    return fail("the closing SOA differs from the opening one");
                return finish();
            }
            auto r = builder_->add(owner, type, wire::rrclass::IN, ttl, {rd, rdlen});
            if (!r) return fail(r.error().message);
            if (builder_->out_of_zone())
                return fail("record " + wire::to_text(owner) + " is outside the zone");
            return Status::more;
        }
        case Phase::ixfr_removing:
        case Phase::ixfr_adding: {
            Diff& d = diffs_.back();
            Record rec{std::string(reinterpret_cast<const char*>(owner), owner_len), type, ttl,
                       std::string(reinterpret_cast<const char*>(rd), rdlen)};
            if (!wire::is_subdomain(owner, zone_name_.data()))
                return fail("record " + wire::to_text(owner) + " is outside the zone");
            if (!is_soa) {
                (phase_ == Phase::ixfr_removing ? d.removed : d.added).push_back(std::move(rec));
                return Status::more;
            }
            uint32_t s = soa_serial(rd, rdlen);
            if (phase_ == Phase::ixfr_removing) {
                if (!serial_gt(s, d.from))
                    return fail("IXFR difference does not move the serial forward");
                d.to = s;
                d.added.push_back(std::move(rec));
                phase_ = Phase::ixfr_adding;
                return Status::more;
            }
            if (s == new_serial_ && d.to == new_serial_) return finish();
            if (s != d.to) return fail("IXFR differences do not follow on");
            diffs_.push_back({s, 0, {std::move(rec)}, {}});
            phase_ = Phase::ixfr_removing;
            return Status::more;
        }
        default:
            return fail("records after the end of the transfer");
    }
}

TransferIn::Status TransferIn::feed(std::span<const uint8_t> msg) {
    if (phase_ == Phase::done || phase_ == Phase::failed)
        return fail("message after the end of the transfer");
    ++messages_;
    bytes_ += msg.size();
    if (limits_.max_messages && messages_ > limits_.max_messages)
        return fail("more than " + std::to_string(limits_.max_messages) + " messages");
    if (limits_.max_bytes && bytes_ > limits_.max_bytes)
        return fail("more than " + std::to_string(limits_.max_bytes) + " bytes");
    wire::RecordReader r(msg);
    if (!r.ok()) return fail("malformed message");
    const wire::Header& h = r.header();
    if (!(h.flags & wire::flag::QR)) return fail("a query where a response was expected");
    if (id_known_ && h.id != id_) return fail("response with a foreign message ID");
    if (h.rcode()) {
        rcode_ = h.rcode();
        return fail("the primary answered " +
                    std::string(h.rcode() == wire::rcode::REFUSED   ? "REFUSED"
                                : h.rcode() == wire::rcode::NOTAUTH ? "NOTAUTH"
                                : h.rcode() == wire::rcode::NOTIMP  ? "NOTIMP"
                                : h.rcode() == wire::rcode::SERVFAIL
                                    ? "SERVFAIL"
                                    : "rcode " + std::to_string(h.rcode())));
    }
    if (h.flags & wire::flag::TC) return fail("truncated response");
    if (r.qname() && !wire::name_equal(r.qname(), zone_name_.data()))
        return fail("response for another zone");
    static thread_local uint8_t buf[wire::kMaxRdata];
    wire::RecordView rr;
    for (;;) {
        int section = r.next(rr, buf);
        if (section == 0) break;
        if (section < 0) return fail("malformed record");
        if (section == 3 && rr.type == t::OPT && expire_ < 0)
            expire_ = wire::edns_expire(rr.rdata, rr.rdata_len);
        if (section != 1) continue;  // authority and additional (e.g. TSIG) are not zone data
        if (phase_ == Phase::done) return fail("records after the closing SOA");
        if (rr.rrclass != wire::rrclass::IN)
            return fail("record of class " + std::to_string(rr.rrclass));
        Status s = add_record(rr.owner, rr.owner_len, rr.type, rr.ttl, rr.rdata, rr.rdata_len);
        if (s == Status::failed) return s;
    }
    if (phase_ == Phase::after_first_soa && serial_le(new_serial_, have_serial_)) {
        // Only our SOA came back (RFC 1995 §4): we are up to date. With a newer
        // serial, the rest may follow in later messages.
        outcome_ = Outcome::up_to_date;
        phase_ = Phase::done;
        return Status::done;
    }
    return phase_ == Phase::done ? Status::done : Status::more;
}

std::vector<Record> records_of(const zone::Zone& z) {
    std::vector<Record> out;
    out.reserve(z.record_count());
    auto emit = [&](const zone::Node& n, uint16_t type, uint32_t ttl, uint32_t d) {
        out.push_back(
            {std::string(reinterpret_cast<const char*>(z.owner(n)), n.name_len), type, ttl,
             std::string(reinterpret_cast<const char*>(z.rdata_bytes(d)), z.rdata(d).length)});
    };
    const zone::Node& apex = z.node(zone::Zone::apex_id());
    emit(apex, t::SOA, z.soa().ttl, z.soa().first);
    for (uint32_t id = 0; id < z.node_count(); ++id) {
        const zone::Node& n = z.node(id);
        z.for_each_record(n, [&](uint16_t type, uint32_t ttl, uint32_t d) {
            if (!(type == t::SOA && id == 0)) emit(n, type, ttl, d);
        });
    }
    return out;
}

Result<zone::ZonePtr> apply(zone::ZonePtr base, const std::vector<Diff>& diffs,
                            std::string* rebuilt) {
    zone::Updater u(base);
    uint32_t serial = base->serial();
    auto span = [](const std::string& s) {
        return std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size());
    };
    for (const Diff& d : diffs) {
        if (d.from != serial)
            return make_error(Errc::semantic, "IXFR starts at serial " + std::to_string(d.from) +
                                                  ", we hold " + std::to_string(serial));
        for (const Record& r : d.removed)
            if (auto ok = u.remove(reinterpret_cast<const uint8_t*>(r.owner.data()), r.type,
                                   span(r.rdata));
                !ok)
                return make_error(ok.error().code, "IXFR " + ok.error().message);
        for (const Record& r : d.added)
            if (auto ok = u.add(reinterpret_cast<const uint8_t*>(r.owner.data()), r.type, r.ttl,
                                span(r.rdata));
                !ok)
                return make_error(ok.error().code, "IXFR " + ok.error().message);
        serial = d.to;
    }
    auto z = u.finish();
    if (!z) return z.error();
    if (rebuilt) *rebuilt = u.rebuilt_because();
    if ((*z)->serial() != serial)
        return make_error(Errc::semantic, "after IXFR the SOA serial is " +
                                              std::to_string((*z)->serial()) + ", expected " +
                                              std::to_string(serial));
    return z;
}

}  // namespace dns::xfr
