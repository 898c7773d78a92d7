//! `flightdeck completions SHELL` prints a completion script that knows the flags and commands.

use super::{flightdeck, text};

#[test]
fn completion_scripts_for_bash_zsh_and_fish() {
    for (shell, marker) in [
        ("bash", "complete -F _flightdeck"),
        ("zsh", "#compdef flightdeck"),
        ("fish", "complete -c flightdeck"),
    ] {
        let out = flightdeck(&["completions", shell], &[]);
        let script = text(&out.stdout);
        assert!(out.status.success(), "{shell}: {}", text(&out.stderr));
        assert!(script.contains(marker), "{shell}: no '{marker}'");
        // fish writes long options without their dashes (`-l ca-cert`).
        for word in ["ca-cert", "token-file", "config", "demo", "completions"] {
            assert!(script.contains(word), "{shell}: '{word}' missing");
        }
    }
    let out = flightdeck(&["completions", "tcsh"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("tcsh"), "{}", text(&out.stderr));
}
