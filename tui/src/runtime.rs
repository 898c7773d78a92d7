//! The event loop: one task owns the state and the terminal; keys, answers and stream messages
//! reach it over a channel, and every request runs in a task of its own. The loop sleeps until a
//! message comes and draws only after something changed.

use crate::client::Client;
use crate::console::Console;
use crate::demo::visible::Director;
use crate::live;
use crate::msg::{Effect, Msg};
use crate::query::Query;
use crate::sender;
use crossterm::event::{Event, KeyEventKind};
use ratatui::backend::Backend;
use ratatui::Terminal;
use std::time::Duration;
use tokio::sync::mpsc::{self, UnboundedSender};

/// Reads the terminal on a thread of its own: crossterm's read blocks.
pub fn spawn_input(tx: UnboundedSender<Msg>) {
    std::thread::spawn(move || loop {
        let msg = match crossterm::event::read() {
            Ok(Event::Key(key)) if key.kind != KeyEventKind::Release => Msg::Key(key),
            Ok(Event::Mouse(mouse)) => Msg::Mouse(mouse),
            Ok(Event::Resize(w, h)) => Msg::Resize(w, h),
            Ok(Event::Paste(text)) => Msg::Paste(text),
            Ok(_) => continue,
            Err(_) => Msg::Quit,
        };
        let quit = matches!(msg, Msg::Quit);
        if tx.send(msg).is_err() || quit {
            return;
        }
    });
}

/// Turns SIGTERM and SIGINT into an orderly quit, so the terminal is restored; SIGTSTP into a
/// suspend that gives the terminal back first, and SIGCONT into taking it again.
pub fn spawn_signals(tx: UnboundedSender<Msg>) {
    let quit = tx.clone();
    tokio::spawn(async move {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let mut term = match signal(SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => return,
            };
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        let _ = quit.send(Msg::Quit);
    });
    #[cfg(unix)]
    tokio::spawn(async move {
        use tokio::signal::unix::{signal, SignalKind};
        let (Ok(mut stop), Ok(mut cont)) = (
            signal(SignalKind::from_raw(libc::SIGTSTP)),
            signal(SignalKind::from_raw(libc::SIGCONT)),
        ) else {
            return;
        };
        loop {
            let msg = tokio::select! {
                Some(()) = stop.recv() => Msg::Suspend,
                Some(()) = cont.recv() => Msg::Resumed,
                else => return,
            };
            if tx.send(msg).is_err() {
                return;
            }
        }
    });
}

fn carry_out(effect: Effect, client: &Client, tx: &UnboundedSender<Msg>) {
    let client = client.clone();
    let tx = tx.clone();
    match effect {
        Effect::Identify => {
            tokio::spawn(async move {
                let _ = tx.send(Msg::Identified(crate::probe::identify(&client).await));
            });
        }
        Effect::LoadFlights => {
            tokio::spawn(async move {
                let _ = tx.send(Msg::Flights(client.flights_with_counts().await));
            });
        }
        Effect::LoadPassengers(id) => {
            tokio::spawn(async move {
                let _ = tx.send(Msg::Passengers(id, client.passengers_of(id).await));
            });
        }
        Effect::LoadHistory(id) => {
            tokio::spawn(async move {
                let _ = tx.send(Msg::History(id, crate::history::load(&client, id).await));
            });
        }
        Effect::ReadAudit(page) => {
            tokio::spawn(async move {
                let limit = crate::panes::audit::PAGE;
                let result = match &page.q {
                    Some(q) => client.audit_search(q, page.before, limit).await,
                    None => client.audit_before(page.before, limit).await,
                };
                let _ = tx.send(Msg::AuditPage(page, result));
            });
        }
        Effect::Run(command) => {
            tokio::spawn(async move {
                let _ = tx.send(Msg::Done(sender::send(&client, command).await));
            });
        }
        Effect::LoadStatus { after } => {
            tokio::spawn(async move {
                tokio::time::sleep(after).await;
                let result = client.status().await;
                let _ = tx.send(Msg::Status(std::time::Instant::now(), result));
            });
        }
        Effect::ExpireToast { seq, after } => {
            tokio::spawn(async move {
                tokio::time::sleep(after).await;
                let _ = tx.send(Msg::ToastExpired(seq));
            });
        }
        // The loop carries this one out itself: it owns the terminal.
        Effect::Suspend => {}
        Effect::Timer { timer, after } => {
            tokio::spawn(async move {
                tokio::time::sleep(after).await;
                let _ = tx.send(Msg::Timer(timer));
            });
        }
    }
}

/// Runs the console until the operator quits.
pub async fn run<B: Backend>(
    terminal: &mut Terminal<B>,
    console: Console,
    client: Client,
    poll_interval: Duration,
    tx: UnboundedSender<Msg>,
    rx: mpsc::UnboundedReceiver<Msg>,
) -> color_eyre::Result<()>
where
    B::Error: Send + Sync + 'static,
{
    run_directed(terminal, console, client, poll_interval, tx, rx, None).await
}

/// Runs the console, with a demo director pressing keys into it when one is given.
pub async fn run_directed<B: Backend>(
    terminal: &mut Terminal<B>,
    mut console: Console,
    client: Client,
    poll_interval: Duration,
    tx: UnboundedSender<Msg>,
    mut rx: mpsc::UnboundedReceiver<Msg>,
    mut director: Option<&mut Director>,
) -> color_eyre::Result<()>
where
    B::Error: Send + Sync + 'static,
{
    tokio::spawn(live::follow(client.clone(), tx.clone(), poll_interval));
    for effect in console.start() {
        carry_out(effect, &client, &tx);
    }
    let size = terminal.size()?;
    console.update(Msg::Resize(size.width, size.height));
    let draw = |terminal: &mut Terminal<B>,
                console: &Console,
                director: &Option<&mut Director>|
     -> Result<(), B::Error> {
        terminal.draw(|f| {
            console.draw(f);
            if let Some(d) = director {
                d.draw(f, console.theme());
            }
        })?;
        Ok(())
    };
    draw(terminal, &console, &director)?;
    loop {
        // The director wakes the loop only for its pacing and its deadlines; otherwise the
        // loop sleeps until a message comes, as without it.
        let wake = director.as_ref().and_then(|d| d.wake_at());
        let first = tokio::select! {
            msg = rx.recv() => match msg {
                Some(msg) => Some(msg),
                None => break,
            },
            _ = sleep_until(wake), if wake.is_some() => None,
        };
        let mut effects = Vec::new();
        let mut pending = first;
        loop {
            if let Some(msg) = pending.take() {
                if matches!(msg, Msg::Resumed) {
                    // Stopped by someone else (SIGSTOP), the terminal was left as it was; a
                    // shell may have changed it meanwhile. Take it again, and draw it all.
                    crate::terminal::enter()?;
                    redraw_all(terminal)?;
                }
                let to_console = match director.as_deref_mut() {
                    Some(d) => d.intercept(&msg),
                    None => true,
                };
                let long_list = matches!(&msg, Msg::Flights(Ok(flights)) if flights.len() >= crate::memory::LONG_LIST);
                if to_console {
                    effects.extend(console.update(msg));
                }
                if long_list {
                    crate::memory::give_back();
                }
            }
            // Take whatever else is waiting before drawing: a burst of events costs one frame.
            if effects.len() > 1000 {
                break;
            }
            match rx.try_recv() {
                Ok(more) => pending = Some(more),
                Err(_) => break,
            }
        }
        if let Some(d) = director.as_deref_mut() {
            // The director presses one key at a time and looks at what it did before the next.
            while !console.wants_to_quit() {
                let Some(key) = d.next_key(&console) else {
                    break;
                };
                effects.extend(console.update(Msg::Key(key)));
            }
        }
        if console.wants_to_quit() || director.as_ref().is_some_and(|d| d.wants_to_quit()) {
            break;
        }
        for effect in effects {
            if effect == Effect::Suspend {
                crate::terminal::suspend()?;
                redraw_all(terminal)?;
                continue;
            }
            carry_out(effect, &client, &tx);
        }
        draw(terminal, &console, &director)?;
    }
    Ok(())
}

/// Blanks the screen and forgets what was drawn, so that the next frame is drawn whole:
/// whatever a shell drew while the console was stopped is gone. (Terminal::clear would ask
/// the terminal where its cursor is, and wait for an answer some terminals never give.)
fn redraw_all<B: Backend>(terminal: &mut Terminal<B>) -> Result<(), B::Error> {
    terminal
        .backend_mut()
        .clear_region(ratatui::backend::ClearType::All)?;
    // Both buffers blank: the next frame is compared with nothing and sent in full.
    terminal.swap_buffers();
    Ok(())
}

async fn sleep_until(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
