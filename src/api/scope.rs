//! Requests belong to the page that starts them: leaving the page aborts them.
//!
//! Every route's view is built through [`page`], which provides a [`RequestScope`] as
//! context on the route's reactive owner and aborts it in that owner's `on_cleanup`.
//! The scope holds one `AbortController`: every request the API client sends while the
//! scope is current carries its signal, so the browser cancels the requests still in
//! flight when the page goes away. Where a request runs decides its scope:
//! - resources (`LocalResource`) and actions (`Action::new_local`) run their futures
//!   under the page's owner, so the client finds the scope as context;
//! - work started from an event handler goes through [`spawn`], which looks the scope
//!   up when it is called, keeps it current while the task runs, and drops the task
//!   when the page is left, so an aborted request's task never goes on to its success
//!   or error handling.
//!
//! A request outside any page (none today) is sent without a signal.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use futures::future::{AbortHandle, Abortable};
use leptos::prelude::*;
use send_wrapper::SendWrapper;

/// The requests and tasks of one page.
#[derive(Clone)]
pub struct RequestScope(SendWrapper<Rc<ScopeInner>>);

struct ScopeInner {
    controller: Option<web_sys::AbortController>,
    /// Tasks started with [`spawn`] and not finished yet, by number.
    tasks: RefCell<Vec<(u64, AbortHandle)>>,
    next_task: Cell<u64>,
}

thread_local! {
    /// The scope of the [`spawn`]ed task being polled, if any.
    static TASK_SCOPE: RefCell<Option<RequestScope>> = const { RefCell::new(None) };
}

impl RequestScope {
    fn new() -> Self {
        RequestScope(SendWrapper::new(Rc::new(ScopeInner {
            controller: web_sys::AbortController::new().ok(),
            tasks: RefCell::new(Vec::new()),
            next_task: Cell::new(0),
        })))
    }

    /// The scope of the code running now: the task's, else the reactive owner's.
    pub fn current() -> Option<RequestScope> {
        TASK_SCOPE
            .with(|s| s.borrow().clone())
            .or_else(use_context::<RequestScope>)
    }

    /// The signal requests of this scope carry.
    pub fn signal(&self) -> Option<web_sys::AbortSignal> {
        self.0.controller.as_ref().map(|c| c.signal())
    }

    /// True once the page is left.
    pub fn is_aborted(&self) -> bool {
        self.0
            .controller
            .as_ref()
            .is_some_and(|c| c.signal().aborted())
    }

    /// Ends the page's tasks and cancels its requests still in flight.
    fn abort(&self) {
        for (_, task) in self.0.tasks.take() {
            task.abort();
        }
        if let Some(c) = &self.0.controller {
            c.abort();
        }
    }
}

/// Builds a route's view with its own [`RequestScope`]: every route of the router goes
/// through here (a test of `lib.rs` checks it), so no page can forget it.
pub fn page<V>(view: impl FnOnce() -> V) -> V {
    let scope = RequestScope::new();
    provide_context(scope.clone());
    on_cleanup(move || scope.abort());
    view()
}

/// Runs `task` as part of the current page (use it instead of `spawn_local`): its
/// requests carry the page's abort signal, and the task is dropped, wherever it
/// is waiting, when the page is left.
pub fn spawn(task: impl Future<Output = ()> + 'static) {
    let scope = RequestScope::current();
    let (handle, registration) = AbortHandle::new_pair();
    let number = scope.as_ref().map(|s| {
        let n = s.0.next_task.get();
        s.0.next_task.set(n + 1);
        s.0.tasks.borrow_mut().push((n, handle));
        n
    });
    let task = InScope {
        scope: scope.clone(),
        task: Box::pin(Abortable::new(task, registration)),
    };
    leptos::task::spawn_local_scoped(async move {
        let _ = task.await;
        if let (Some(scope), Some(n)) = (scope, number) {
            scope.0.tasks.borrow_mut().retain(|(m, _)| *m != n);
        }
    });
}

/// A future polled with its scope current (as `ScopedFuture` does with the owner).
struct InScope<F> {
    scope: Option<RequestScope>,
    task: Pin<Box<F>>,
}

impl<F: Future> Future for InScope<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let previous = TASK_SCOPE.with(|s| s.replace(self.scope.clone()));
        let out = self.task.as_mut().poll(cx);
        TASK_SCOPE.with(|s| *s.borrow_mut() = previous);
        out
    }
}
