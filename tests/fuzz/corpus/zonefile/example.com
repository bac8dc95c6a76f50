; Template zone for the dnsd/Knot/NSD comparison test.
; compare_answers.py serves it as example.com. (unsigned) and, after replacing
; every "example.com." (case-insensitively) by another origin, as the
; NSEC/NSEC3/NSEC3-opt-out signed zones.  Keep in-zone names relative (or
; spelled with the literal origin) so that substitution works.
$ORIGIN example.com.
$TTL 3600
@               IN SOA ns1 hostmaster (
                       2024010101 ; serial
                       7200       ; refresh
                       3600       ; retry
                       1209600    ; expire
                       300 )      ; minimum (negative TTL), lower than SOA TTL
@               NS    ns1
@               NS    ns2
@               MX    10 mail
@               MX    20 mail2.example.net.
@               TXT   "v=spf1 -all"
@               A     192.0.2.1
@               AAAA  2001:db8::1
ns1             A     192.0.2.53
ns1             AAAA  2001:db8::53
ns2             A     192.0.2.54
mail            A     192.0.2.25
mail            AAAA  2001:db8::25
www      600    A     192.0.2.80
www      600    A     192.0.2.81
www             AAAA  2001:db8::80
www             TXT   "hello" "world"
_sip._tcp       SRV   10 60 5060 sip
_xmpp._tcp      SRV   5 0 5222 www
sip             A     192.0.2.60
; mixed-case owner names (also one absolute one)
MiXeD           A     192.0.2.77
MiXeD           TXT   "Case Preserved"
UPPER.MiXeD     AAAA  2001:db8::77
Abs.EXAMPLE.com. A    192.0.2.78
; CNAME chains
alias           CNAME www
alias2          CNAME alias
alias3   300    CNAME alias2
ext-alias       CNAME www.example.net.
ext-alias2      CNAME host.example.org.
dangling        CNAME nothere
dangling2       CNAME dangling
to-wild         CNAME foo.wild
to-dname        CNAME x.dn2
loop1           CNAME loop2
loop2           CNAME loop1
; wildcards
*.wild          A     192.0.2.100
*.wild          TXT   "wildcard"
host.wild       A     192.0.2.101
sub.host.wild   A     192.0.2.102
*.cwild         CNAME www
*.dwild         CNAME nothere
; empty non-terminals b.c and c
a.b.c           A     192.0.2.3
a.b.c           TXT   "deep"
; delegation with in-bailiwick glue
sub             NS    ns.sub
sub             NS    ns2.sub
ns.sub          A     192.0.2.200
ns2.sub         AAAA  2001:db8::200
; delegation with out-of-zone name servers
ext             NS    ns1.example.net.
ext             NS    ns.example.org.
; delegation to a child zone that is served too (signed variants add a DS)
sub2            NS    ns.sub2
ns.sub2         A     192.0.2.210
; DNAME out of the zone and inside the zone
dn       1800   DNAME example.net.
dn2             DNAME target
target          A     192.0.2.150
x.target        A     192.0.2.151
x.target        TXT   "dname target"
; unknown type
unknown         TYPE65280 \# 4 0a000001
; large RRset for truncation tests
big             TXT   "chunk-1-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef01234567"
big             TXT   "chunk-2-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef01234567"
big             TXT   "chunk-3-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef01234567"
big             TXT   "chunk-4-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef01234567"
big             TXT   "chunk-5-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef01234567"
big             TXT   "chunk-6-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef01234567"
big             TXT   "chunk-7-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef01234567"
big             TXT   "chunk-8-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef01234567"
