//! How a report shows on standard output: colour by the NO_COLOR and
//! CLICOLOR conventions, and the terminal's width. A report written to a file
//! gets neither.

use std::io::IsTerminal;
use std::path::Path;

/// What the report's destination can show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Terminal {
    /// Standard output is a terminal (and the report goes there).
    pub is_tty: bool,
    /// Write ANSI colour.
    pub color: bool,
    /// The terminal's width in columns, on a terminal only.
    pub width: Option<usize>,
}

impl Terminal {
    /// The destination of a report written to `output` (`None`: standard output).
    pub fn for_output(output: Option<&Path>) -> Terminal {
        if output.is_some() {
            return Terminal {
                is_tty: false,
                color: false,
                width: None,
            };
        }
        let stdout = std::io::stdout();
        let is_tty = stdout.is_terminal();
        let width = is_tty
            .then(|| terminal_size::terminal_size_of(&stdout))
            .flatten()
            .map(|(terminal_size::Width(columns), _)| usize::from(columns));
        Terminal {
            is_tty,
            color: use_color(is_tty, &ColorEnv::from_process()),
            width,
        }
    }
}

/// The environment variables that decide colour, read by `anstyle-query`
/// (the same reader `anstream` and clap use).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ColorEnv {
    /// `NO_COLOR` is set and not empty (no-color.org).
    pub no_color: bool,
    /// `CLICOLOR_FORCE` is set and not empty (bixense.com/clicolors).
    pub clicolor_force: bool,
    /// `CLICOLOR`: `Some(false)` when `0`, `Some(true)` when set to anything else.
    pub clicolor: Option<bool>,
    /// `TERM` is set and is not `dumb`.
    pub term_supports_color: bool,
}

impl ColorEnv {
    /// This process's environment.
    pub fn from_process() -> ColorEnv {
        ColorEnv {
            no_color: anstyle_query::no_color(),
            clicolor_force: anstyle_query::clicolor_force(),
            clicolor: anstyle_query::clicolor(),
            term_supports_color: anstyle_query::term_supports_color(),
        }
    }
}

/// Whether to colour, in `anstream`'s order: never with `NO_COLOR`; always
/// with `CLICOLOR_FORCE`; never with `CLICOLOR=0`; otherwise only on a
/// terminal whose `TERM` has colour (or with `CLICOLOR` set).
pub fn use_color(is_tty: bool, env: &ColorEnv) -> bool {
    if env.no_color {
        return false;
    }
    if env.clicolor_force {
        return true;
    }
    match env.clicolor {
        Some(false) => false,
        Some(true) => is_tty,
        None => is_tty && env.term_supports_color,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLOUR_TERM: ColorEnv = ColorEnv {
        no_color: false,
        clicolor_force: false,
        clicolor: None,
        term_supports_color: true,
    };

    fn no_color(value: Option<&str>) -> ColorEnv {
        ColorEnv {
            no_color: value.is_some_and(|v| !v.is_empty()),
            ..COLOUR_TERM
        }
    }

    #[test]
    fn colour_only_on_a_tty_without_no_color() {
        assert!(use_color(true, &no_color(None)));
        assert!(use_color(true, &no_color(Some(""))));
        assert!(!use_color(true, &no_color(Some("1"))));
        assert!(!use_color(false, &no_color(None)));
        assert!(!use_color(false, &no_color(Some("1"))));
    }

    #[test]
    fn dumb_terminals_and_clicolor() {
        let dumb = ColorEnv {
            term_supports_color: false,
            ..COLOUR_TERM
        };
        assert!(!use_color(true, &dumb));
        let asked = ColorEnv {
            clicolor: Some(true),
            ..dumb
        };
        assert!(use_color(true, &asked));
        assert!(!use_color(false, &asked));
        let refused = ColorEnv {
            clicolor: Some(false),
            ..COLOUR_TERM
        };
        assert!(!use_color(true, &refused));
        let forced = ColorEnv {
            clicolor_force: true,
            ..refused
        };
        assert!(use_color(false, &forced));
        assert!(!use_color(
            false,
            &ColorEnv {
                no_color: true,
                ..forced
            }
        ));
    }
}
