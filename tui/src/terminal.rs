//! The terminal as the console needs it (raw mode, the alternate screen, mouse reporting,
//! bracketed paste) and as it is given back: on quit, on a panic, and while the console is
//! suspended (Ctrl-Z, SIGTSTP), to be taken again when it continues.

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use std::io::stdout;

/// Takes the terminal.
pub fn enter() -> std::io::Result<()> {
    enable_raw_mode()?;
    crossterm::execute!(
        stdout(),
        EnterAlternateScreen,
        EnableMouseCapture,
        EnableBracketedPaste
    )
}

/// Gives the terminal back as it was; best effort, since it runs where nothing can be done
/// about a failure (a panic, the way out).
pub fn leave() {
    let _ = crossterm::execute!(
        stdout(),
        DisableBracketedPaste,
        DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
    let _ = disable_raw_mode();
}

/// Gives the terminal back and stops the process as a shell's job control expects; returns
/// once it is continued (`fg`), with the terminal taken again. The caller redraws it all.
pub fn suspend() -> std::io::Result<()> {
    leave();
    #[cfg(unix)]
    {
        // SIGSTOP rather than SIGTSTP: this process handles SIGTSTP itself (to get here), and
        // SIGSTOP cannot be caught or ignored, even in an orphaned process group.
        // SAFETY: kill(2) with this process's own id and a valid signal touches no memory.
        unsafe {
            libc::kill(libc::getpid(), libc::SIGSTOP);
        }
    }
    enter()
}
