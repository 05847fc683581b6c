//! Invitation e-mails over SMTP (issue 16), against a local SMTP server of this test that
//! speaks the real protocol (greeting, EHLO with extensions, AUTH PLAIN, MAIL FROM, RCPT
//! TO, DATA with dot-stuffing, QUIT) and checks each command: the invitation link is
//! e-mailed and works; a refused or silent server, or none at all, leaves the invitation
//! standing with the failure recorded and shown; a new link (password reset) is e-mailed
//! too. Without SMTP options nothing is sent and the fields stay empty.

mod common;

use base64::Engine as _;
use common::people::{invitation_token, PASSWORD};
use common::{Backend, TestServer};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

const USER: &str = "mailer";
const SECRET: &str = "smtp secret";
const FROM: &str = "noreply@passes.example.com";

/// How the fake server behaves.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// Accepts every message.
    Accept,
    /// Refuses every recipient with 550.
    RejectRecipient,
    /// Accepts the connection and never says a word.
    Silent,
}

/// One message the fake server accepted.
#[derive(Debug, Clone)]
struct Mail {
    auth: Option<String>,
    mail_from: String,
    rcpt_to: Vec<String>,
    data: String,
}

impl Mail {
    fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next().unwrap_or("");
        head.split("\r\n").find_map(|l| {
            let (n, v) = l.split_once(": ")?;
            n.eq_ignore_ascii_case(name).then(|| v.to_string())
        })
    }

    fn body(&self) -> String {
        self.data
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_string())
            .unwrap_or_default()
    }
}

/// A local SMTP server: its port, and the messages it accepted.
async fn smtp_server(mode: Mode) -> (u16, Arc<Mutex<Vec<Mail>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let mails = Arc::new(Mutex::new(Vec::new()));
    let store = mails.clone();
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            let store = store.clone();
            tokio::spawn(async move {
                if mode == Mode::Silent {
                    let _keep = socket;
                    tokio::time::sleep(std::time::Duration::from_secs(60)).await;
                    return;
                }
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                let out = |s: &str| format!("{s}\r\n").into_bytes();
                write
                    .write_all(&out("220 test.local ESMTP ready"))
                    .await
                    .unwrap();
                let mut mail = Mail {
                    auth: None,
                    mail_from: String::new(),
                    rcpt_to: Vec::new(),
                    data: String::new(),
                };
                let mut greeted = false;
                while let Ok(Some(line)) = lines.next_line().await {
                    let upper = line.to_ascii_uppercase();
                    let reply = if upper.starts_with("EHLO ") {
                        assert!(line.len() > 5, "EHLO names the client");
                        greeted = true;
                        "250-test.local\r\n250-8BITMIME\r\n250-AUTH PLAIN LOGIN\r\n250 SIZE 1000000"
                            .to_string()
                    } else if upper.starts_with("AUTH PLAIN ") {
                        assert!(greeted, "AUTH before EHLO");
                        let raw = base64::engine::general_purpose::STANDARD
                            .decode(&line[11..])
                            .expect("AUTH PLAIN is base64");
                        let text = String::from_utf8(raw).unwrap();
                        mail.auth = Some(text.clone());
                        if text == format!("\0{USER}\0{SECRET}") {
                            "235 2.7.0 Authentication successful".into()
                        } else {
                            "535 5.7.8 Authentication credentials invalid".into()
                        }
                    } else if upper.starts_with("MAIL FROM:<") {
                        assert!(greeted, "MAIL before EHLO");
                        assert!(mail.auth.is_some(), "MAIL before AUTH");
                        mail.mail_from = line[11..].split('>').next().unwrap().to_string();
                        "250 2.1.0 Ok".into()
                    } else if upper.starts_with("RCPT TO:<") {
                        assert!(!mail.mail_from.is_empty(), "RCPT before MAIL");
                        if mode == Mode::RejectRecipient {
                            "550 5.1.1 Mailbox unavailable".into()
                        } else {
                            mail.rcpt_to
                                .push(line[9..].trim_end_matches('>').to_string());
                            "250 2.1.5 Ok".into()
                        }
                    } else if upper == "DATA" {
                        assert!(!mail.rcpt_to.is_empty(), "DATA without a recipient");
                        write
                            .write_all(&out("354 End data with <CR><LF>.<CR><LF>"))
                            .await
                            .unwrap();
                        let mut data = String::new();
                        while let Ok(Some(l)) = lines.next_line().await {
                            if l == "." {
                                break;
                            }
                            // Dot-stuffing undone.
                            let l = l.strip_prefix('.').map(str::to_string).unwrap_or(l);
                            data.push_str(&l);
                            data.push_str("\r\n");
                        }
                        mail.data = data;
                        store.lock().unwrap().push(mail.clone());
                        "250 2.0.0 Ok: queued".into()
                    } else if upper == "QUIT" {
                        write.write_all(&out("221 2.0.0 Bye")).await.unwrap();
                        return;
                    } else {
                        format!("500 5.5.2 unknown command {line:?}")
                    };
                    write.write_all(&out(&reply)).await.unwrap();
                }
            });
        }
    });
    (port, mails)
}

/// A server whose invitations go to the SMTP server on `port` (plain, with AUTH).
async fn server_mailing_to(backend: Backend, port: u16, timeout: u64) -> TestServer {
    TestServer::start_configured(backend, move |a| {
        a.smtp.smtp_host = Some("127.0.0.1".into());
        a.smtp.smtp_port = Some(port);
        a.smtp.smtp_tls = passworks_server::mail::SmtpTls::None;
        a.smtp.smtp_username = Some(USER.into());
        a.smtp.smtp_password = Some(SECRET.into());
        a.smtp.smtp_from = Some(format!("Passworks <{FROM}>"));
        a.smtp.smtp_timeout_seconds = timeout;
    })
    .await
}

async fn invitations_are_emailed(backend: Backend) {
    let (port, mails) = smtp_server(Mode::Accept).await;
    let server = server_mailing_to(backend, port, 20).await;
    let owner = server.account("Café Acme").await;

    let user = owner
        .post(
            "/users",
            json!({"user": {"email": "ann@example.com", "role": "support"}}),
        )
        .await
        .expect(201)
        .body;
    assert!(user["invitation_sent_at"].is_string(), "{user}");
    assert_eq!(user["invitation_mail_error"], Value::Null);
    let link = user["invitation_url"].as_str().unwrap().to_string();

    let sent = mails.lock().unwrap().clone();
    assert_eq!(sent.len(), 1);
    let m = &sent[0];
    assert_eq!(
        m.auth.as_deref(),
        Some(format!("\0{USER}\0{SECRET}").as_str())
    );
    assert_eq!(m.mail_from, FROM);
    assert_eq!(m.rcpt_to, vec!["ann@example.com".to_string()]);
    assert_eq!(
        m.header("From").as_deref(),
        Some(format!("Passworks <{FROM}>").as_str())
    );
    assert_eq!(m.header("To").as_deref(), Some("ann@example.com"));
    // The organization's name is not ASCII: an RFC 2047 encoded word.
    let subject = m.header("Subject").unwrap();
    assert!(subject.starts_with("=?UTF-8?B?"), "{subject}");
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(
            subject
                .trim_start_matches("=?UTF-8?B?")
                .trim_end_matches("?="),
        )
        .unwrap();
    assert_eq!(
        String::from_utf8(decoded).unwrap(),
        "Your invitation to Café Acme"
    );
    assert!(m.header("Date").is_some() && m.header("Message-ID").is_some());
    assert_eq!(m.header("MIME-Version").as_deref(), Some("1.0"));
    // Non-ASCII body, and the server offers 8BITMIME: sent as 8bit, the link intact.
    assert_eq!(
        m.header("Content-Transfer-Encoding").as_deref(),
        Some("8bit")
    );
    let body = m.body();
    assert!(body.contains(&link), "the link is in the body:\n{body}");
    assert!(body.contains("Café Acme as support"), "{body}");

    // The e-mailed link works.
    let token = invitation_token(&user);
    server
        .anonymous()
        .post(
            "/invitations/accept",
            json!({"token": token, "password": PASSWORD}),
        )
        .await
        .expect(201);

    // A new link (how a forgotten password is reset) is e-mailed too; the old one is spent.
    let id = user["id"].as_str().unwrap();
    let again = owner
        .post_empty(&format!("/users/{id}/invitation"))
        .await
        .expect(200)
        .body;
    assert!(again["invitation_sent_at"].is_string(), "{again}");
    let sent = mails.lock().unwrap().clone();
    assert_eq!(sent.len(), 2);
    let new_link = again["invitation_url"].as_str().unwrap();
    assert_ne!(new_link, link);
    assert!(sent[1].body().contains(new_link));
    server
        .anonymous()
        .post(
            "/invitations/accept",
            json!({"token": invitation_token(&again), "password": "another long password"}),
        )
        .await
        .expect(201);
    server.stop().await;
}

async fn failed_mail_keeps_the_invitation(backend: Backend) {
    // The server refuses the recipient.
    let (port, mails) = smtp_server(Mode::RejectRecipient).await;
    let server = server_mailing_to(backend, port, 20).await;
    let owner = server.account("Acme").await;
    let user = owner
        .post(
            "/users",
            json!({"user": {"email": "bob@example.com", "role": "viewer"}}),
        )
        .await
        .expect(201)
        .body;
    assert_eq!(user["invitation_sent_at"], Value::Null);
    let error = user["invitation_mail_error"].as_str().unwrap();
    assert!(error.contains("550"), "{error}");
    assert!(error.contains("RCPT TO"), "{error}");
    assert!(mails.lock().unwrap().is_empty());
    // Shown with the person, and the link (in the answer) still works.
    let id = user["id"].as_str().unwrap();
    let shown = owner.get(&format!("/users/{id}")).await.expect(200).body;
    assert_eq!(
        shown["invitation_mail_error"],
        user["invitation_mail_error"]
    );
    server
        .anonymous()
        .post(
            "/invitations/accept",
            json!({"token": invitation_token(&user), "password": PASSWORD}),
        )
        .await
        .expect(201);
    server.stop().await;

    // A server that never answers: the send ends at its deadline.
    let (port, _) = smtp_server(Mode::Silent).await;
    let server = server_mailing_to(backend, port, 1).await;
    let owner = server.account("Acme").await;
    let user = owner
        .post(
            "/users",
            json!({"user": {"email": "cy@example.com", "role": "viewer"}}),
        )
        .await
        .expect(201)
        .body;
    let error = user["invitation_mail_error"].as_str().unwrap();
    assert!(error.contains("did not finish within 1 s"), "{error}");
    assert!(user["invitation_url"].is_string());
    server.stop().await;

    // No server at all on that port.
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = free.local_addr().unwrap().port();
    drop(free);
    let server = server_mailing_to(backend, port, 5).await;
    let owner = server.account("Acme").await;
    let user = owner
        .post(
            "/users",
            json!({"user": {"email": "di@example.com", "role": "viewer"}}),
        )
        .await
        .expect(201)
        .body;
    let error = user["invitation_mail_error"].as_str().unwrap();
    assert!(error.starts_with("cannot connect"), "{error}");
    server.stop().await;
}

async fn no_mail_without_smtp(backend: Backend) {
    let server = TestServer::start(backend).await;
    let owner = server.account("Acme").await;
    let user = owner
        .post(
            "/users",
            json!({"user": {"email": "ed@example.com", "role": "viewer"}}),
        )
        .await
        .expect(201)
        .body;
    assert!(user["invitation_url"].is_string());
    assert_eq!(user["invitation_sent_at"], Value::Null);
    assert_eq!(user["invitation_mail_error"], Value::Null);
    server.stop().await;
}

both_backends!(invitations_are_emailed);
both_backends!(failed_mail_keeps_the_invitation);
both_backends!(no_mail_without_smtp);
