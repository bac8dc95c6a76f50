#pragma once
// Mail out over SMTP with libcurl: smtp://HOST:PORT (STARTTLS when the
// server offers it) or smtps://HOST:PORT; one message per call, bounded in
// time. Messages are plain text, UTF-8, with the headers a receiving server
// expects (Date, Message-ID, Auto-Submitted).
#include <string>

#include "lib/base/result.hpp"

namespace signup {

struct Mail {
    std::string to;  ///< one address
    std::string subject;
    std::string text;  ///< the body; lines end in '\n'
};

class Mailer {
  public:
    /// `url`: the relay; `from`: the envelope and header sender.
    Mailer(std::string url, std::string from, long timeout_s = 20);
    dns::Result<void> send(const Mail& m) const;
    const std::string& from() const { return from_; }

  private:
    std::string url_, from_;
    long timeout_s_;
};

/// The message as it goes on the wire (headers, CRLF line ends): for tests.
std::string render_message(const Mail& m, const std::string& from, long long unix_time);

}  // namespace signup
