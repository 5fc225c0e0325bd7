//! Reading the hex text `iotmqtt decode` accepts.

use crate::output::CliError;

/// Parses hex text: pairs of hex digits, separated or not by whitespace, `:` or `,`; a token
/// may start with `0x`. Anything else is a usage error naming the character's position.
///
/// # Errors
/// A character that is not a hex digit or a separator, or an odd number of digits.
pub fn parse_hex(text: &str) -> Result<Vec<u8>, CliError> {
    let mut digits = Vec::with_capacity(text.len());
    let mut chars = text.char_indices().peekable();
    let mut token_start = true;
    while let Some((at, c)) = chars.next() {
        if c.is_whitespace() || c == ':' || c == ',' {
            token_start = true;
            continue;
        }
        if token_start && c == '0' && matches!(chars.peek(), Some((_, 'x' | 'X'))) {
            chars.next();
            token_start = false;
            continue;
        }
        token_start = false;
        let value = c.to_digit(16).ok_or_else(|| {
            CliError::usage(format!(
                "hex input: {c:?} at character {at} is not a hex digit"
            ))
        })?;
        // to_digit(16) is below 16.
        digits.push(u8::try_from(value).unwrap_or(0));
    }
    if digits.len() % 2 != 0 {
        return Err(CliError::usage(format!(
            "hex input: odd number of hex digits ({}); bytes are two digits each",
            digits.len()
        )));
    }
    Ok(digits
        .chunks_exact(2)
        .map(|pair| match pair {
            [hi, lo] => (hi << 4) | lo,
            _ => 0,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_and_prefixes_are_accepted() {
        assert_eq!(parse_hex("c0 00").unwrap(), [0xC0, 0x00]);
        assert_eq!(parse_hex("0xC0,0x00").unwrap(), [0xC0, 0x00]);
        assert_eq!(parse_hex("c0:00\n").unwrap(), [0xC0, 0x00]);
        assert_eq!(parse_hex("C000").unwrap(), [0xC0, 0x00]);
        assert_eq!(parse_hex("").unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn bad_text_is_named() {
        let e = parse_hex("c0 0g").unwrap_err();
        assert!(e.message.contains("'g' at character 4"), "{e}");
        assert!(parse_hex("c00").unwrap_err().message.contains("odd"));
    }
}
