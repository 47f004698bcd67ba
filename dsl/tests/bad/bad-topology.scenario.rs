// expect: bad-value
scenario! {
    /// Puts an endpoint straight on a switch's internal bus.
    name = "endpoint-on-switch-bus";

    device rp { root_port }
    device usp { upstream_port, parent = rp }
    device nic { parent = usp }

    moves { remove(nic); }
}
