#pragma once
// dnsd's network side: N workers, each a thread with its own io_context, its
// own UDP socket per listen address (SO_REUSEPORT, batched recvmmsg/sendmmsg)
// and its own TCP acceptor (SO_REUSEPORT, RFC 7766 pipelining, idle timeout,
// connection cap). Workers share nothing but the published zone table.

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "dnsd/config.hpp"
#include "dnsd/zone_store.hpp"
#include "lib/answer/answer.hpp"
#include "lib/base/result.hpp"

namespace dnsd {

class Worker;

class Server {
public:
    /// `notify` (may be null) receives NOTIFY messages on the worker threads.
    Server(const Config& config, ZoneStore& store, dns::answer::NotifyHandler* notify = nullptr);
    ~Server();

    /// Opens every socket (so port errors show at start-up) and starts the workers.
    dns::Result<void> start();
    /// Stops the workers and waits for them.
    void stop();

    /// Sums the workers' counters (reads racy but monotonic values; for metrics/logs).
    dns::answer::Counters counters() const;

private:
    const Config& config_;
    ZoneStore& store_;
    dns::answer::NotifyHandler* notify_;
    dns::answer::Identity identity_;
    std::vector<std::unique_ptr<Worker>> workers_;
    std::vector<std::thread> threads_;
};


}  // namespace dnsd
