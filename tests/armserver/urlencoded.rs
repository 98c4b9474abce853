//! `application/x-www-form-urlencoded` text: token request bodies and query strings.

/// The decoded `key=value` pairs, in order (a key without `=` has an empty value).
pub(super) fn pairs(text: &str) -> impl Iterator<Item = (String, String)> + '_ {
    text.split('&').filter(|pair| !pair.is_empty()).map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (decode(key), decode(value))
    })
}

/// The decoded value of the first pair with this key (compared case-insensitively).
pub(super) fn value(text: &str, key: &str) -> Option<String> {
    pairs(text).find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v)
}

/// Percent-escapes decoded, `+` as a space; invalid UTF-8 replaced.
pub(super) fn decode(text: &str) -> String {
    let hex = |b: u8| (b as char).to_digit(16);
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = match bytes.get(i..i + 3) {
            Some([b'%', high, low]) => hex(*high).zip(hex(*low)).map(|(h, l)| (h * 16 + l) as u8),
            _ => None,
        };
        match (escaped, bytes[i]) {
            (Some(byte), _) => {
                out.push(byte);
                i += 3;
            }
            (None, b'+') => {
                out.push(b' ');
                i += 1;
            }
            (None, byte) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
