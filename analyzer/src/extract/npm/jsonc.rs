//! [`Jsonc`]: JSON with comments and trailing commas (bun's `bun.lock`)
//! turned into plain JSON as it is read, one buffer at a time, so that a
//! streaming JSON parser can read it without the file being held whole.
//!
//! Hand-written (a small state machine) rather than a crate: `json_comments`
//! strips comments from a reader but removes trailing commas only from a
//! string held whole, which is what this avoids.

use std::io::{BufRead, Read};

/// Where the scanner is, between two bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Code,
    /// In a string; `escaped` after a backslash.
    String {
        escaped: bool,
    },
    /// A `/` seen in code: a comment starts, or it is a stray byte.
    Slash,
    LineComment,
    /// In `/* */`; `star` after a `*`.
    BlockComment {
        star: bool,
    },
}

/// `input`, JSONC, read as JSON: comments become blanks (a line comment its
/// newline), and a comma followed (past blanks and comments) by `}` or `]` is
/// dropped. Anything else passes unchanged, so invalid JSON stays invalid.
pub(super) struct Jsonc<R> {
    input: R,
    scanner: Scanner,
    /// Converted bytes not handed out yet, from `at`.
    at: usize,
    ended: bool,
}

/// The conversion's state and its output.
struct Scanner {
    state: State,
    /// A comma in code, held until the next token says whether it trails.
    comma: bool,
    out: Vec<u8>,
}

impl<R: BufRead> Jsonc<R> {
    pub(super) fn new(input: R) -> Jsonc<R> {
        Jsonc {
            input,
            scanner: Scanner {
                state: State::Code,
                comma: false,
                out: Vec::new(),
            },
            at: 0,
            ended: false,
        }
    }

    /// Converts the next buffer of input; false at the end.
    fn fill(&mut self) -> std::io::Result<bool> {
        let scanner = &mut self.scanner;
        scanner.out.clear();
        self.at = 0;
        if self.ended {
            return Ok(false);
        }
        let chunk = self.input.fill_buf()?;
        if chunk.is_empty() {
            self.ended = true;
            scanner.end();
            return Ok(!scanner.out.is_empty());
        }
        for &b in chunk {
            scanner.byte(b);
        }
        let n = chunk.len();
        self.input.consume(n);
        Ok(true)
    }
}

impl Scanner {
    /// At the end, what was held is handed out as it is (invalid JSON stays so).
    fn end(&mut self) {
        if self.state == State::Slash {
            self.state = State::Code;
            self.token(b'/');
        }
        if std::mem::take(&mut self.comma) {
            self.out.push(b',');
        }
    }

    /// A token byte in code: the held comma goes first unless this closes.
    fn token(&mut self, b: u8) {
        if std::mem::take(&mut self.comma) && !matches!(b, b'}' | b']') {
            self.out.push(b',');
        }
        match b {
            b',' => self.comma = true,
            b'"' => {
                self.out.push(b);
                self.state = State::String { escaped: false };
            }
            _ => self.out.push(b),
        }
    }

    fn code(&mut self, b: u8) {
        match b {
            b'/' => self.state = State::Slash,
            b' ' | b'\t' | b'\n' | b'\r' => self.out.push(b),
            _ => self.token(b),
        }
    }

    fn byte(&mut self, b: u8) {
        match self.state {
            State::Code => self.code(b),
            State::String { escaped } => {
                self.out.push(b);
                self.state = match (escaped, b) {
                    (false, b'\\') => State::String { escaped: true },
                    (false, b'"') => State::Code,
                    _ => State::String { escaped: false },
                };
            }
            State::Slash => match b {
                b'/' => self.state = State::LineComment,
                b'*' => self.state = State::BlockComment { star: false },
                _ => {
                    self.state = State::Code;
                    self.token(b'/');
                    self.byte(b);
                }
            },
            State::LineComment => {
                if b == b'\n' {
                    self.out.push(b);
                    self.state = State::Code;
                }
            }
            State::BlockComment { star } => {
                self.state = match (star, b) {
                    (true, b'/') => {
                        self.out.push(b' ');
                        State::Code
                    }
                    _ => State::BlockComment { star: b == b'*' },
                };
            }
        }
    }
}

impl<R: BufRead> Read for Jsonc<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.scanner.out.len() {
            if !self.fill()? {
                return Ok(0);
            }
        }
        let out = &self.scanner.out;
        let n = buf.len().min(out.len() - self.at);
        buf[..n].copy_from_slice(&out[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `text` converted, read through a reader that hands out `chunk` bytes
    /// at a time (so that every state meets a buffer boundary).
    fn plain(text: &str, chunk: usize) -> String {
        let input = std::io::BufReader::with_capacity(chunk, text.as_bytes());
        let mut out = String::new();
        Jsonc::new(input).read_to_string(&mut out).unwrap();
        out
    }

    #[test]
    fn comments_and_trailing_commas_go_strings_stay() {
        let text = "{\"a\": [1, 2,], // x, ]\n \"b/*\": \"//,}\\\"\", /* c */ \"c\": {\"d\": 1, /* ] */ },}";
        let want = "{\"a\": [1, 2], \n \"b/*\": \"//,}\\\"\",   \"c\": {\"d\": 1  }}";
        for chunk in [1, 2, 3, 7, 1024] {
            let got = plain(text, chunk);
            let squeeze = |s: &str| s.split_whitespace().collect::<String>();
            assert_eq!(squeeze(&got), squeeze(want), "chunk {chunk}: {got}");
            let value: serde_json::Value = serde_json::from_str(&got).unwrap();
            assert_eq!(value["c"]["d"], 1);
            assert_eq!(value["b/*"], "//,}\"");
        }
    }

    #[test]
    fn invalid_json_stays_invalid() {
        for text in ["[1,", "[1 / 2]", "{\"a\": 1}/", "[1,,]"] {
            let got = plain(text, 2);
            assert!(
                serde_json::from_str::<serde_json::Value>(&got).is_err(),
                "{text:?} read as {got:?}"
            );
        }
    }
}
