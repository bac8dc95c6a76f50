#include "signup-web/mailer.hpp"

#include <curl/curl.h>

#include <cstring>
#include <ctime>
#include <mutex>

#include "signup-web/tokens.hpp"

namespace signup {

Mailer::Mailer(std::string url, std::string from, long timeout_s)
    : url_(std::move(url)), from_(std::move(from)), timeout_s_(timeout_s) {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string render_message(const Mail& m, const std::string& from, long long unix_time) {
    char date[64];
    std::time_t t = static_cast<std::time_t>(unix_time);
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    const auto at = from.find('@');
    const std::string host = at == std::string::npos ? "localhost" : from.substr(at + 1);
    // Header values come from our own text and checked addresses; a CR or
    // LF in them would start a header of the attacker's: none may pass.
    auto clean = [](std::string s) {
        for (char& c : s)
            if (c == '\r' || c == '\n') c = ' ';
        return s;
    };
    std::string out;
    out += "Date: " + std::string(date) + "\r\n";
    out += "From: " + clean(from) + "\r\n";
    out += "To: " + clean(m.to) + "\r\n";
    out += "Subject: " + clean(m.subject) + "\r\n";
    out += "Message-ID: <" + new_token().substr(0, 24) + "@" + clean(host) + ">\r\n";
    out += "MIME-Version: 1.0\r\n";
    out += "Content-Type: text/plain; charset=utf-8\r\n";
    out += "Content-Transfer-Encoding: 8bit\r\n";
    out += "Auto-Submitted: auto-generated\r\n";
    out += "\r\n";
    for (char c : m.text) {
        if (c == '\n')
            out += "\r\n";
        else if (c != '\r')
            out += c;
    }
    return out;
}

namespace {

struct Upload {
    const std::string* data;
    size_t pos = 0;
};

size_t read_chunk(char* buf, size_t size, size_t n, void* user) {
    auto* u = static_cast<Upload*>(user);
    const size_t left = u->data->size() - u->pos;
    const size_t len = std::min(left, size * n);
    std::memcpy(buf, u->data->data() + u->pos, len);
    u->pos += len;
    return len;
}

}  // namespace

dns::Result<void> Mailer::send(const Mail& m) const {
    const std::string message = render_message(m, from_, std::time(nullptr));
    CURL* curl = curl_easy_init();
    if (!curl) return dns::make_error(dns::Errc::io, "cannot start libcurl");
    Upload up{&message};
    curl_slist* rcpt = curl_slist_append(nullptr, ("<" + m.to + ">").c_str());
    char errbuf[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(curl, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, ("<" + from_ + ">").c_str());
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_chunk);
    curl_easy_setopt(curl, CURLOPT_READDATA, &up);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_USE_SSL,
                     static_cast<long>(CURLUSESSL_TRY));  // STARTTLS if offered
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, timeout_s_);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, std::min(timeout_s_, 10L));
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    CURLcode rc = curl_easy_perform(curl);
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(curl);
    if (rc != CURLE_OK)
        return dns::make_error(
            dns::Errc::io, "SMTP " + url_ + ": " + (errbuf[0] ? errbuf : curl_easy_strerror(rc)));
    return {};
}

}  // namespace signup
