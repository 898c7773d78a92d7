//! The real `flightdeck` binary in a pseudo-terminal, its screen read through a vt100 parser.
//! Tests wait for what the screen shows, never for a fixed time.

#![allow(dead_code)]

use portable_pty::{native_pty_system, Child, CommandBuilder, MasterPty, PtySize};
use std::io::{Read, Write};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// How long one expected screen may take: generous, for a busy two-core machine.
pub const SCREEN_TIMEOUT: Duration = Duration::from_secs(30);

struct Screen {
    parser: vt100::Parser,
    closed: bool,
    /// Every line any screen has shown, for what may be on screen too briefly for a waiter to
    /// look at it (a fast tour's first banner).
    seen: std::collections::HashSet<String>,
}

pub struct Console {
    screen: Arc<(Mutex<Screen>, Condvar)>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    _master: Box<dyn MasterPty + Send>,
}

pub const ENTER: &str = "\r";
pub const TAB: &str = "\t";
pub const ESC: &str = "\x1b";
pub const DOWN: &str = "\x1b[B";
pub const UP: &str = "\x1b[A";

impl Console {
    pub fn spawn(args: &[&str], rows: u16, cols: u16) -> Self {
        Self::spawn_env(args, &[], rows, cols)
    }

    /// As `spawn`, with these variables set as well.
    pub fn spawn_env(args: &[&str], env: &[(&str, &str)], rows: u16, cols: u16) -> Self {
        let pty = native_pty_system();
        let pair = pty
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pty");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_flightdeck"));
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        cmd.env_remove("NO_COLOR");
        for var in [
            "FLIGHTDECK_API",
            "FLIGHTDECK_DATA_DIR",
            "FLIGHTDECK_POLL_INTERVAL",
            "FLIGHTDECK_TOKEN",
            "FLIGHTDECK_TOKEN_FILE",
            "FLIGHTDECK_CA_CERT",
            "FLIGHTDECK_CONFIG",
        ] {
            cmd.env_remove(var);
        }
        // No config file but one a test names: a config directory that does not exist.
        cmd.env("XDG_CONFIG_HOME", "/nonexistent/flightdeck-tests");
        for (name, value) in env {
            cmd.env(name, value);
        }
        let child = pair.slave.spawn_command(cmd).expect("spawn flightdeck");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("pty reader");
        let writer = pair.master.take_writer().expect("pty writer");
        let screen = Arc::new((
            Mutex::new(Screen {
                parser: vt100::Parser::new(rows, cols, 0),
                closed: false,
                seen: std::collections::HashSet::new(),
            }),
            Condvar::new(),
        ));
        let feed = screen.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                let n = match reader.read(&mut buf) {
                    Ok(0) | Err(_) => 0,
                    Ok(n) => n,
                };
                let (lock, changed) = &*feed;
                let mut screen = lock.lock().unwrap_or_else(|e| e.into_inner());
                if n == 0 {
                    screen.closed = true;
                    changed.notify_all();
                    return;
                }
                screen.parser.process(&buf[..n]);
                let lines: Vec<String> = screen
                    .parser
                    .screen()
                    .contents()
                    .lines()
                    .map(str::to_owned)
                    .collect();
                screen.seen.extend(lines);
                changed.notify_all();
            }
        });
        Self {
            screen,
            writer,
            child,
            _master: pair.master,
        }
    }

    pub fn contents(&self) -> String {
        self.screen
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .parser
            .screen()
            .contents()
    }

    /// The foreground colour of the first cell of `needle`'s first appearance on the screen.
    pub fn fg_of(&self, needle: &str) -> Option<vt100::Color> {
        let screen = self.screen.0.lock().unwrap_or_else(|e| e.into_inner());
        let screen = screen.parser.screen();
        let (_, cols) = screen.size();
        let found = screen.rows(0, cols).enumerate().find_map(|(row, line)| {
            let at = line.find(needle)?;
            let col = line[..at].chars().count() as u16;
            screen.cell(row as u16, col).map(|cell| cell.fgcolor())
        });
        found
    }

    pub fn in_alternate_screen(&self) -> bool {
        self.screen
            .0
            .lock()
            .unwrap()
            .parser
            .screen()
            .alternate_screen()
    }

    /// Whether the program asks the terminal for mouse events.
    pub fn mouse_reporting(&self) -> bool {
        let screen = self.screen.0.lock().unwrap_or_else(|e| e.into_inner());
        screen.parser.screen().mouse_protocol_mode() != vt100::MouseProtocolMode::None
    }

    /// Waits until the program is on the alternate screen (`true`) or off it.
    pub fn wait_alternate(&self, on: bool) {
        let deadline = Instant::now() + SCREEN_TIMEOUT;
        let (lock, changed) = &*self.screen;
        let mut screen = lock.lock().unwrap_or_else(|e| e.into_inner());
        while screen.parser.screen().alternate_screen() != on {
            let now = Instant::now();
            if now >= deadline || screen.closed {
                panic!(
                    "waited for the {} screen; the screen shows:\n{}",
                    if on { "alternate" } else { "normal" },
                    screen.parser.screen().contents()
                );
            }
            screen = changed.wait_timeout(screen, deadline - now).unwrap().0;
        }
    }

    /// Waits until `ready` holds for the screen's text; panics with the screen if it never does.
    pub fn wait_until(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + SCREEN_TIMEOUT;
        let (lock, changed) = &*self.screen;
        let mut screen = lock.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            let text = screen.parser.screen().contents();
            if ready(&text) {
                return text;
            }
            let now = Instant::now();
            if now >= deadline || screen.closed {
                panic!(
                    "waited for {what}{}; the screen shows:\n{text}",
                    if screen.closed {
                        " but the console closed"
                    } else {
                        ""
                    }
                );
            }
            screen = changed.wait_timeout(screen, deadline - now).unwrap().0;
        }
    }

    pub fn wait_for(&self, text: &str) -> String {
        self.wait_until(&format!("'{text}'"), |s| s.contains(text))
    }

    /// Waits for a screen line that holds every one of `parts`.
    /// Waits until some screen has shown a line with every one of `parts`, even if it is gone
    /// by now.
    pub fn wait_line_shown(&self, parts: &[&str]) {
        let deadline = Instant::now() + SCREEN_TIMEOUT;
        let (lock, changed) = &*self.screen;
        let mut screen = lock.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if screen
                .seen
                .iter()
                .any(|l| parts.iter().all(|p| l.contains(p)))
            {
                return;
            }
            let now = Instant::now();
            if now >= deadline || screen.closed {
                panic!(
                    "no screen showed a line with {parts:?}; the screen shows:\n{}",
                    screen.parser.screen().contents()
                );
            }
            screen = changed.wait_timeout(screen, deadline - now).unwrap().0;
        }
    }

    pub fn wait_line(&self, parts: &[&str]) -> String {
        self.wait_until(&format!("a line with {parts:?}"), |s| {
            s.lines().any(|l| parts.iter().all(|p| l.contains(p)))
        })
    }

    /// Waits for a line of the columns `cols` (one pane of a wide layout) that holds every one
    /// of `parts`.
    pub fn wait_line_in(&self, cols: std::ops::Range<u16>, parts: &[&str]) -> String {
        let what = format!("a line with {parts:?} in columns {cols:?}");
        let (lock, _) = &*self.screen;
        let deadline = Instant::now() + SCREEN_TIMEOUT;
        loop {
            let found = {
                let screen = lock.lock().unwrap_or_else(|e| e.into_inner());
                let rows: Vec<String> = screen
                    .parser
                    .screen()
                    .rows(cols.start, cols.end - cols.start)
                    .collect();
                rows.iter()
                    .any(|l| parts.iter().all(|p| l.contains(p)))
                    .then(|| rows.join("\n"))
            };
            if let Some(text) = found {
                return text;
            }
            // Block until the screen changes (or the time is up), then look again.
            let seen = self.contents();
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                panic!("waited for {what}; the screen shows:\n{seen}");
            }
            self.wait_change(&seen, left);
        }
    }

    fn wait_change(&self, seen: &str, timeout: Duration) {
        let (lock, changed) = &*self.screen;
        let screen = lock.lock().unwrap_or_else(|e| e.into_inner());
        let _ = changed
            .wait_timeout_while(screen, timeout, |s| {
                !s.closed && s.parser.screen().contents() == seen
            })
            .unwrap_or_else(|e| e.into_inner());
    }

    /// Waits for a line that holds every one of `parts` and none of `not`.
    pub fn wait_line_without(&self, parts: &[&str], not: &str) -> String {
        self.wait_until(&format!("a line with {parts:?} without '{not}'"), |s| {
            s.lines()
                .any(|l| parts.iter().all(|p| l.contains(p)) && !l.contains(not))
        })
    }

    pub fn wait_gone(&self, text: &str) -> String {
        self.wait_until(&format!("'{text}' to go"), |s| !s.contains(text))
    }

    pub fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    /// Types text one key at a time, as a person would.
    pub fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.send(&c.to_string());
        }
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.process_id()
    }

    /// Waits for the process to end and says whether it succeeded.
    pub fn wait_exit(&mut self) -> bool {
        let deadline = Instant::now() + SCREEN_TIMEOUT;
        let (lock, changed) = &*self.screen;
        loop {
            // Exited and every byte it wrote has been read (the reader sees the pty close only
            // after the last byte), so the screen is final.
            let status = self.child.try_wait().unwrap();
            let mut screen = lock.lock().unwrap_or_else(|e| e.into_inner());
            if let (Some(status), true) = (&status, screen.closed) {
                return status.success();
            }
            if Instant::now() >= deadline {
                drop(screen);
                let _ = self.child.kill();
                panic!(
                    "flightdeck did not exit; the screen shows:\n{}",
                    self.contents()
                );
            }
            if !screen.closed {
                screen = changed
                    .wait_timeout(screen, Duration::from_millis(200))
                    .unwrap()
                    .0;
            }
            drop(screen);
            if status.is_some() {
                // Exited but the pty has not closed yet: its last bytes are on their way.
                continue;
            }
        }
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
    }
}
