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
#include "lib/answer/answer.hpp"
#include "lib/base/result.hpp"
#include "lib/io/notify_gate.hpp"
#include "lib/io/transfer_server.hpp"
#include "lib/zone/zone_store.hpp"

namespace dnsd {

class Worker;

class Server {
  public:
    /// `notify` (may be null: NOTIFY is answered NOTAUTH) takes NOTIFY messages on the worker
    /// threads; `transfers` (may be null: none allowed) AXFR and IXFR requests over TCP.
    Server(const Config& config, dns::zone::ZoneStore& store, dns::io::NotifyGate* notify = nullptr,
           const dns::io::TransferServer* transfers = nullptr,
           std::vector<dns::xfr::TsigKey> keys = {});
    ~Server();

    /// Opens every socket (so port errors show at start-up) and starts the workers.
    dns::Result<void> start();
    /// Stops the workers and waits for them.
    void stop();

    /// Sums the workers' counters (reads racy but monotonic values; for metrics/logs).
    dns::answer::Counters counters() const;

  private:
    const Config& config_;
    dns::zone::ZoneStore& store_;
    dns::io::NotifyGate* notify_;
    const dns::io::TransferServer* transfers_;
    std::vector<dns::xfr::TsigKey> keys_;
    dns::answer::Identity identity_;
    std::vector<std::unique_ptr<Worker>> workers_;
    std::vector<std::thread> threads_;
};

}  // namespace dnsd
