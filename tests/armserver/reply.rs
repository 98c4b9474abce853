//! A response before it is sent, the ARM error body, and the random-looking ids ARM puts everywhere.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use serde_json::{Value, json};

/// How the body of a reply reaches the client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Delivery {
    Normal,
    /// Headers announce the whole body; only its first half is sent, then the connection is closed.
    Truncated,
    /// Nothing is ever sent: the request is held until the client gives up or the server stops.
    Hang,
}

pub(super) struct Reply {
    pub status: u16,
    pub body: Bytes,
    /// Beyond content-type and the x-ms headers every ARM response gets.
    pub headers: Vec<(&'static str, String)>,
    pub delivery: Delivery,
    /// The label of the fault that decided this reply, for `Recorded::fault`.
    pub fault: Option<String>,
}

impl Reply {
    pub fn json(status: u16, body: impl Into<Bytes>) -> Reply {
        Reply { status, body: body.into(), headers: Vec::new(), delivery: Delivery::Normal, fault: None }
    }

    pub fn value(status: u16, value: &Value) -> Reply {
        Reply::json(status, serde_json::to_vec(value).expect("armserver: serialise a JSON value"))
    }

    /// ARM's error envelope: `{"error":{"code":…,"message":…}}`.
    pub fn arm_error(status: u16, code: &str, message: impl Into<String>) -> Reply {
        Reply::value(status, &json!({"error": {"code": code, "message": message.into()}}))
    }

    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Reply {
        self.headers.push((name, value.into()));
        self
    }

    pub fn with_fault(mut self, label: String) -> Reply {
        self.fault = Some(label);
        self
    }
}

/// Random-looking ids (request ids, tokens). Not cryptographic: splitmix64 over a time-seeded counter,
/// which is all a loopback fixture needs and keeps ids distinct across servers in one process.
pub(super) struct IdGen {
    state: AtomicU64,
}

impl IdGen {
    pub fn new() -> IdGen {
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0);
        IdGen { state: AtomicU64::new(nanos ^ (u64::from(std::process::id()) << 32)) }
    }

    pub fn next_u64(&self) -> u64 {
        let mut z = self.state.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed).wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A version-4-shaped GUID, lower case.
    pub fn guid(&self) -> String {
        let (a, b) = (self.next_u64(), self.next_u64());
        format!(
            "{:08x}-{:04x}-4{:03x}-{:x}{:03x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            8 | (b >> 62),
            (b >> 48) & 0xfff,
            b & 0xffff_ffff_ffff
        )
    }

    /// An opaque access token: 96 hex digits.
    pub fn token(&self) -> String {
        (0..6).map(|_| format!("{:016x}", self.next_u64())).collect()
    }
}
