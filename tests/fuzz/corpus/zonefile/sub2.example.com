; Child zone of example.com (and, after origin substitution, of the signed
; variants).  Served by the same servers as its parent.
$ORIGIN sub2.example.com.
$TTL 3600
@               IN SOA ns.sub2.example.com. hostmaster 2024010101 7200 3600 1209600 300
@               NS    ns
@               A     192.0.2.211
ns              A     192.0.2.210
www             A     192.0.2.212
