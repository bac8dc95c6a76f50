#pragma once
// A program's control signals taken synchronously by its main thread:
// SIGTERM, SIGINT and SIGHUP are blocked in every thread (so threads started
// afterwards never see them) and SIGPIPE is ignored (a closed socket is an
// error code, not a death). Construct it before starting any thread.
#include <signal.h>

namespace dns {

class ControlSignals {
  public:
    ControlSignals() {
        sigemptyset(&set_);
        sigaddset(&set_, SIGTERM);
        sigaddset(&set_, SIGINT);
        sigaddset(&set_, SIGHUP);
        pthread_sigmask(SIG_BLOCK, &set_, nullptr);
        signal(SIGPIPE, SIG_IGN);
    }
    /// Waits for the next one: SIGHUP (reload), SIGTERM or SIGINT (stop).
    int wait() const {
        for (;;) {
            int sig = 0;
            if (sigwait(&set_, &sig) == 0) return sig;
        }
    }

  private:
    sigset_t set_;
};

}  // namespace dns
