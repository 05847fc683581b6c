//! Invitation e-mails over SMTP (issue 16), against a local SMTP server of this test that
//! speaks the real protocol (greeting, EHLO with extensions, AUTH PLAIN, MAIL FROM, RCPT
//! TO, DATA with dot-stuffing, QUIT) and checks each command: the invitation link is
//! e-mailed and works; a refused or silent server, or none at all, leaves the invitation
//! standing with the failure recorded and shown; a new link (password reset) is e-mailed
//! too. Without SMTP options nothing is sent and the fields stay empty. Over `STARTTLS`
//! and implicit TLS (a certificate from a CA the test makes, trusted with
//! `--smtp-ca-file`) the mail goes encrypted and the password only after TLS; an
//! untrusted certificate or a server without `STARTTLS` fails the send.

mod common;

use base64::Engine as _;
use common::people::{invitation_token, PASSWORD};
use common::{Backend, TestServer};
use passworks_server::mail::SmtpTls;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

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
    /// Whether the message came over TLS.
    tls: bool,
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

/// How the fake server secures its connections.
#[derive(Clone)]
enum Security {
    /// Plain text throughout; no `STARTTLS` offered.
    Plain,
    /// Plain greeting, `STARTTLS` offered; `AUTH` refused (538) until TLS is on.
    Starttls(TlsAcceptor),
    /// TLS from the first byte.
    Implicit(TlsAcceptor),
}

/// A byte stream the fake server talks over: TCP, or TLS over TCP.
trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// A local SMTP server: its port, and the messages it accepted.
async fn smtp_server(mode: Mode) -> (u16, Arc<Mutex<Vec<Mail>>>) {
    smtp_server_secured(mode, Security::Plain).await
}

/// [`smtp_server`] with TLS as `security` says.
async fn smtp_server_secured(mode: Mode, security: Security) -> (u16, Arc<Mutex<Vec<Mail>>>) {
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
            let security = security.clone();
            tokio::spawn(async move {
                if mode == Mode::Silent {
                    let _keep = socket;
                    tokio::time::sleep(std::time::Duration::from_secs(60)).await;
                    return;
                }
                let stream: Box<dyn Stream> = match &security {
                    Security::Implicit(acceptor) => match acceptor.accept(socket).await {
                        Ok(tls) => Box::new(tls),
                        // The client refused our certificate.
                        Err(_) => return,
                    },
                    _ => Box::new(socket),
                };
                let tls = matches!(security, Security::Implicit(_));
                session(stream, tls, mode, security, store).await;
            });
        }
    });
    (port, mails)
}

/// One SMTP conversation, checking the order of commands.
async fn session(
    mut stream: Box<dyn Stream>,
    mut tls: bool,
    mode: Mode,
    security: Security,
    store: Arc<Mutex<Vec<Mail>>>,
) {
    let out = |s: &str| format!("{s}\r\n").into_bytes();
    stream
        .write_all(&out("220 test.local ESMTP ready"))
        .await
        .unwrap();
    // Each pass of this loop is one connection state: plain, then after STARTTLS,
    // TLS with everything said before forgotten (RFC 3207 §4.2).
    'connection: loop {
        let mut reader = BufReader::new(stream);
        let mut mail = Mail {
            tls,
            auth: None,
            mail_from: String::new(),
            rcpt_to: Vec::new(),
            data: String::new(),
        };
        let mut greeted = false;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
                return;
            }
            let line = line.trim_end_matches(['\r', '\n']).to_string();
            let upper = line.to_ascii_uppercase();
            let reply = if upper.starts_with("EHLO ") {
                assert!(line.len() > 5, "EHLO names the client");
                greeted = true;
                let starttls = if matches!(security, Security::Starttls(_)) && !tls {
                    "250-STARTTLS\r\n"
                } else {
                    ""
                };
                format!(
                    "250-test.local\r\n{starttls}250-8BITMIME\r\n250-AUTH PLAIN LOGIN\r\n250 SIZE 1000000"
                )
            } else if upper == "STARTTLS" {
                let Security::Starttls(acceptor) = &security else {
                    reader
                        .get_mut()
                        .write_all(&out("502 5.5.1 STARTTLS not offered"))
                        .await
                        .unwrap();
                    continue;
                };
                assert!(greeted && !tls, "STARTTLS before EHLO or twice");
                reader
                    .get_mut()
                    .write_all(&out("220 2.0.0 Ready to start TLS"))
                    .await
                    .unwrap();
                assert!(
                    reader.buffer().is_empty(),
                    "the client spoke before the TLS handshake"
                );
                let Ok(secured) = acceptor.accept(reader.into_inner()).await else {
                    // The client refused our certificate.
                    return;
                };
                stream = Box::new(secured);
                tls = true;
                continue 'connection;
            } else if upper.starts_with("AUTH PLAIN ") {
                assert!(greeted, "AUTH before EHLO");
                if matches!(security, Security::Starttls(_)) && !tls {
                    // A password never crosses in clear.
                    "538 5.7.11 Encryption required for requested authentication mechanism"
                        .to_string()
                } else {
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
                reader
                    .get_mut()
                    .write_all(&out("354 End data with <CR><LF>.<CR><LF>"))
                    .await
                    .unwrap();
                let mut data = String::new();
                loop {
                    let mut l = String::new();
                    if reader.read_line(&mut l).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let l = l.trim_end_matches(['\r', '\n']);
                    if l == "." {
                        break;
                    }
                    // Dot-stuffing undone.
                    data.push_str(l.strip_prefix('.').unwrap_or(l));
                    data.push_str("\r\n");
                }
                mail.data = data;
                store.lock().unwrap().push(mail.clone());
                "250 2.0.0 Ok: queued".into()
            } else if upper == "QUIT" {
                let _ = reader.get_mut().write_all(&out("221 2.0.0 Bye")).await;
                return;
            } else {
                format!("500 5.5.2 unknown command {line:?}")
            };
            if reader.get_mut().write_all(&out(&reply)).await.is_err() {
                return;
            }
        }
    }
}

/// A certificate authority made for this run, and an SMTP server certificate for
/// 127.0.0.1 it issued; the authority's certificate is in a PEM file for `--smtp-ca-file`.
struct TestPki {
    acceptor: TlsAcceptor,
    _dir: tempfile::TempDir,
    ca_file: std::path::PathBuf,
}

impl TestPki {
    fn new() -> TestPki {
        use tokio_rustls::rustls;
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Passworks test mail CA");
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let key = rcgen::KeyPair::generate().unwrap();
        let params =
            rcgen::CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".into()])
                .unwrap();
        let cert = params.signed_by(&key, &ca, &ca_key).unwrap();
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone(), ca.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let ca_file = dir.path().join("mail-ca.pem");
        std::fs::write(&ca_file, ca.pem()).unwrap();
        TestPki {
            acceptor: TlsAcceptor::from(Arc::new(config)),
            _dir: dir,
            ca_file,
        }
    }
}

/// A server whose invitations go to the SMTP server on `port` (plain, with AUTH).
async fn server_mailing_to(backend: Backend, port: u16, timeout: u64) -> TestServer {
    server_mailing_securely(backend, port, timeout, SmtpTls::None, None).await
}

/// A server whose invitations go to the SMTP server on `port` over `tls`, trusting the
/// authorities in `ca_file` beside the public ones.
async fn server_mailing_securely(
    backend: Backend,
    port: u16,
    timeout: u64,
    tls: SmtpTls,
    ca_file: Option<std::path::PathBuf>,
) -> TestServer {
    TestServer::start_configured(backend, move |a| {
        a.smtp.smtp_host = Some("127.0.0.1".into());
        a.smtp.smtp_port = Some(port);
        a.smtp.smtp_tls = tls;
        a.smtp.smtp_username = Some(USER.into());
        a.smtp.smtp_password = Some(SECRET.into());
        a.smtp.smtp_from = Some(format!("Passworks <{FROM}>"));
        a.smtp.smtp_timeout_seconds = timeout;
        a.smtp.smtp_ca_file = ca_file;
    })
    .await
}

/// Invites a person; the answer.
async fn invite(server: &TestServer, email: &str) -> Value {
    let owner = server.account("Acme").await;
    owner
        .post(
            "/users",
            json!({"user": {"email": email, "role": "viewer"}}),
        )
        .await
        .expect(201)
        .body
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

async fn invitations_go_over_tls(backend: Backend) {
    let pki = TestPki::new();
    for (security, tls) in [
        (Security::Starttls(pki.acceptor.clone()), SmtpTls::Starttls),
        (Security::Implicit(pki.acceptor.clone()), SmtpTls::Tls),
    ] {
        let (port, mails) = smtp_server_secured(Mode::Accept, security).await;
        let server =
            server_mailing_securely(backend, port, 20, tls, Some(pki.ca_file.clone())).await;
        let user = invite(&server, "ann@example.com").await;
        assert_eq!(
            user["invitation_mail_error"],
            Value::Null,
            "{tls:?}: {user}"
        );
        assert!(user["invitation_sent_at"].is_string(), "{tls:?}: {user}");
        let sent = mails.lock().unwrap().clone();
        assert_eq!(sent.len(), 1, "{tls:?}");
        assert!(sent[0].tls, "{tls:?}: the message went over TLS");
        assert_eq!(
            sent[0].auth.as_deref(),
            Some(format!("\0{USER}\0{SECRET}").as_str())
        );
        assert!(sent[0]
            .body()
            .contains(user["invitation_url"].as_str().unwrap()));
        server.stop().await;
    }

    // The same servers, but their certificate's authority is not trusted: no mail, the
    // reason recorded, the invitation standing.
    for (security, tls) in [
        (Security::Starttls(pki.acceptor.clone()), SmtpTls::Starttls),
        (Security::Implicit(pki.acceptor.clone()), SmtpTls::Tls),
    ] {
        let (port, mails) = smtp_server_secured(Mode::Accept, security).await;
        let server = server_mailing_securely(backend, port, 20, tls, None).await;
        let user = invite(&server, "bob@example.com").await;
        let error = user["invitation_mail_error"].as_str().unwrap();
        assert!(
            error.starts_with("TLS with 127.0.0.1") && error.contains("certificate"),
            "{tls:?}: {error}"
        );
        assert_eq!(user["invitation_sent_at"], Value::Null);
        assert!(user["invitation_url"].is_string());
        assert!(mails.lock().unwrap().is_empty());
        server.stop().await;
    }

    // STARTTLS asked of a server that does not offer it: nothing (not even the password)
    // goes in clear.
    let (port, mails) = smtp_server(Mode::Accept).await;
    let server = server_mailing_securely(
        backend,
        port,
        20,
        SmtpTls::Starttls,
        Some(pki.ca_file.clone()),
    )
    .await;
    let user = invite(&server, "cy@example.com").await;
    let error = user["invitation_mail_error"].as_str().unwrap();
    assert!(error.contains("does not offer STARTTLS"), "{error}");
    assert!(mails.lock().unwrap().is_empty());
    server.stop().await;
}

/// `--smtp-ca-file` is checked when the server starts, not at the first invitation.
#[test]
fn a_bad_ca_file_is_refused_at_start_up() {
    use passworks_server::mail::{Mailer, SmtpArgs};
    let dir = tempfile::tempdir().unwrap();
    let args = |file: &std::path::Path| SmtpArgs {
        smtp_host: Some("smtp.example.com".into()),
        smtp_from: Some(FROM.into()),
        smtp_ca_file: Some(file.to_path_buf()),
        smtp_timeout_seconds: 20,
        ..Default::default()
    };
    let missing = dir.path().join("missing.pem");
    let error = Mailer::from_args(&args(&missing), "https://x.example").unwrap_err();
    assert!(error.to_string().contains("cannot read it"), "{error:#}");
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "not a certificate\n").unwrap();
    let error = Mailer::from_args(&args(&empty), "https://x.example").unwrap_err();
    assert!(
        error.to_string().contains("holds no certificate"),
        "{error:#}"
    );
    let good = TestPki::new();
    assert!(Mailer::from_args(&args(&good.ca_file), "https://x.example")
        .unwrap()
        .is_some());
}

both_backends!(invitations_are_emailed);
both_backends!(invitations_go_over_tls);
both_backends!(failed_mail_keeps_the_invitation);
both_backends!(no_mail_without_smtp);
