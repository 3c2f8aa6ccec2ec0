//! Which commands leave a connection in a state another request must not
//! inherit (see [`crate::redis::pool`]).

/// True for commands whose effect outlives the command on its connection
/// (or leaves it waiting), so the connection must not serve anyone else.
pub fn changes_connection_state(command: &str) -> bool {
    const STATEFUL: &[&str] = &[
        // Transactions, database, connection settings.
        "MULTI",
        "EXEC",
        "DISCARD",
        "WATCH",
        "UNWATCH",
        "SELECT",
        "SWAPDB",
        "CLIENT",
        "HELLO",
        "AUTH",
        "RESET",
        "READONLY",
        "READWRITE",
        "QUIT",
        "SHUTDOWN",
        "DEBUG",
        // Subscriptions and replication streams.
        "SUBSCRIBE",
        "PSUBSCRIBE",
        "SSUBSCRIBE",
        "UNSUBSCRIBE",
        "PUNSUBSCRIBE",
        "SUNSUBSCRIBE",
        "MONITOR",
        "SYNC",
        "PSYNC",
        "REPLCONF",
        // Commands that may block.
        "BLPOP",
        "BRPOP",
        "BRPOPLPUSH",
        "BLMOVE",
        "BLMPOP",
        "BZPOPMIN",
        "BZPOPMAX",
        "BZMPOP",
        "WAIT",
        "WAITAOF",
        "XREAD",
        "XREADGROUP",
    ];
    let c = command.trim();
    STATEFUL.iter().any(|s| c.eq_ignore_ascii_case(s))
}

#[cfg(test)]
mod tests {
    use super::changes_connection_state;

    #[test]
    fn stateful_commands() {
        for (c, stateful) in [
            ("MULTI", true),
            ("multi", true),
            ("EXEC", true),
            ("SELECT", true),
            ("WATCH", true),
            ("CLIENT", true),
            ("SUBSCRIBE", true),
            ("BLPOP", true),
            ("blmove", true),
            ("BZPOPMIN", true),
            ("WAIT", true),
            ("XREAD", true),
            ("GET", false),
            ("SET", false),
            ("EVALSHA", false),
            ("BITCOUNT", false),
            ("INCR", false),
        ] {
            assert_eq!(changes_connection_state(c), stateful, "{c}");
        }
    }
}
