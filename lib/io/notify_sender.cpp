#include "lib/io/notify_sender.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "lib/base/log.hpp"

namespace dns::io {

namespace asio = boost::asio;

struct NotifySender::Job {
    Job(asio::io_context& io, wire::Name z, uint32_t s, Endpoint t,
        std::shared_ptr<const xfr::TsigKey> k)
        : zone(std::move(z)), serial(s), target(std::move(t)), key(std::move(k)), timer(io) {}
    wire::Name zone;
    uint32_t serial;
    Endpoint target;
    std::shared_ptr<const xfr::TsigKey> key;
    unsigned tries = 0;
    uint64_t generation = 0;
    asio::steady_timer timer;
};

NotifySender::NotifySender(asio::io_context& io, Options options) : io_(io), options_(options) {}

void NotifySender::notify(const wire::Name& zone, uint32_t serial, const Endpoint& target,
                          std::shared_ptr<const xfr::TsigKey> key) {
    asio::post(io_, [this, zone, serial, target, key] {
        const std::string id = zone.lowercased().to_text() + "|" + target.to_string();
        uint64_t generation = 1;
        {
            std::lock_guard lock(mu_);
            auto& job = jobs_[id];
            if (job) {
                // A newer serial replaces the one being retried.
                generation = job->generation + 1;
                job->timer.cancel();
            }
            job = std::make_shared<Job>(io_, zone, serial, target, key);
            job->generation = generation;
        }
        attempt(id, generation);
    });
}

void NotifySender::attempt(const std::string& id, uint64_t generation) {
    auto it = jobs_.find(id);
    if (it == jobs_.end() || it->second->generation != generation) return;
    auto job = it->second;
    ++job->tries;
    {
        std::lock_guard lock(mu_);
        ++counters_.sent;
    }
    QueryOptions qo;
    qo.timeout = options_.timeout;
    qo.attempts = 1;
    qo.key = job->key.get();
    send_notify(
        io_, job->target, job->zone, job->serial, qo, [this, id, generation, job](Result<void> r) {
            auto cur = jobs_.find(id);
            if (cur == jobs_.end() || cur->second != job || job->generation != generation) return;
            if (r) {
                LOG_DEBUG("NOTIFY %s serial %u: answered by %s", job->zone.to_text().c_str(),
                          job->serial, job->target.to_string().c_str());
                std::lock_guard lock(mu_);
                ++counters_.answered;
                jobs_.erase(cur);
                return;
            }
            if (job->tries >= options_.tries) {
                LOG_WARN("NOTIFY %s serial %u: %s did not answer after %u tries (%s)",
                         job->zone.to_text().c_str(), job->serial, job->target.to_string().c_str(),
                         job->tries, r.error().message.c_str());
                std::lock_guard lock(mu_);
                ++counters_.given_up;
                jobs_.erase(cur);
                return;
            }
            // Wait longer each time: first_retry, twice that, ...
            auto wait = options_.first_retry * (1u << std::min(job->tries - 1, 10u));
            job->timer.expires_after(wait);
            job->timer.async_wait([this, id, generation](boost::system::error_code ec) {
                if (!ec) attempt(id, generation);
            });
        });
}

NotifySender::Counters NotifySender::counters() const {
    std::lock_guard lock(mu_);
    return counters_;
}

size_t NotifySender::pending() const {
    std::lock_guard lock(mu_);
    return jobs_.size();
}

}  // namespace dns::io
