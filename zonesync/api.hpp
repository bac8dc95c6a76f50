#pragma once
// zonesync's JSON API on HTTP (lib/http), for signup-web and operators:
//
//   POST   /v1/zones                {"name", "primaries": [...], "tsig_key"?, "owner"?}
//   GET    /v1/zones
//   GET    /v1/zones/{name}         state, serial, primaries, transfers, POP serials
//   PUT    /v1/zones/{name}         {"primaries": [...], "tsig_key"?}: new primaries
//   DELETE /v1/zones/{name}
//   POST   /v1/zones/{name}/refresh check the primaries now
//   POST   /v1/zones/{name}/release let a held version through
//   POST   /v1/probe                {"name", "primaries", "tsig_key"?, "timeout_ms"?}:
//                                    a trial AXFR from each primary, nothing stored
//   GET    /v1/pops
//   GET    /healthz, /metrics       (no token)
//
// /v1 needs "Authorization: Bearer TOKEN" (the token from --token-file).
// Errors are {"error": "..."} with 400 (bad input), 401, 404, 409 (exists).
#include <memory>
#include <string>

#include "lib/base/result.hpp"
#include "lib/io/client.hpp"

namespace zonesync {

class Service;

class Api {
  public:
    Api(Service& service, std::string token);
    ~Api();
    dns::Result<void> start(const dns::io::Endpoint& listen);
    uint16_t port() const;
    void stop();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace zonesync
