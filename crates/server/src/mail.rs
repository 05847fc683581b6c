//! Optional outgoing e-mail over SMTP (issue 16): invitation links (also the new link that
//! resets a forgotten password) are e-mailed when an SMTP server is configured; without
//! one, the console shows the link to copy, as before.
//!
//! A small SMTP client of our own (RFC 5321): `EHLO`, `STARTTLS` (RFC 3207) or TLS from
//! the first byte, `AUTH PLAIN`/`AUTH LOGIN`, `MAIL FROM`, `RCPT TO`, `DATA` with
//! dot-stuffing, `QUIT`. The peer is not ours, so every send has one deadline for the
//! whole conversation, and each reply is read with bounded line length and line count.
//! TLS is rustls with the Mozilla roots (`webpki-roots`), as for every other outgoing
//! HTTPS call of the server, plus the certificates of `--smtp-ca-file` for a relay whose
//! certificate comes from the operator's own authority (common for an internal relay).

use base64::Engine as _;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Longest reply line accepted from the server (RFC 5321 says 512; some send more).
const MAX_LINE: usize = 4096;
/// Most lines of one (multi-line) reply.
const MAX_REPLY_LINES: usize = 100;

/// How the connection to the SMTP server is secured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum SmtpTls {
    /// Plain connection upgraded with `STARTTLS` (port 587); refused if the server does
    /// not offer it.
    #[default]
    Starttls,
    /// TLS from the first byte ("implicit TLS", port 465).
    Tls,
    /// No encryption (a relay on the same host or a closed network; port 25).
    None,
}

impl SmtpTls {
    /// The usual port of this mode.
    pub fn default_port(self) -> u16 {
        match self {
            SmtpTls::Starttls => 587,
            SmtpTls::Tls => 465,
            SmtpTls::None => 25,
        }
    }
}

/// The SMTP options of `passworks serve`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SmtpArgs {
    /// SMTP server that e-mails invitation links. Without it no mail is sent and the
    /// console shows each link to copy.
    #[arg(long, env = "PASSWORKS_SMTP_HOST")]
    pub smtp_host: Option<String>,

    /// SMTP port; default 587 with `starttls`, 465 with `tls`, 25 with `none`.
    #[arg(long, env = "PASSWORKS_SMTP_PORT")]
    pub smtp_port: Option<u16>,

    /// How the SMTP connection is secured: `starttls`, `tls` or `none`.
    #[arg(
        long,
        env = "PASSWORKS_SMTP_TLS",
        value_enum,
        default_value = "starttls"
    )]
    pub smtp_tls: SmtpTls,

    /// SMTP user name (sign-in with AUTH PLAIN or LOGIN); none: no sign-in.
    #[arg(long, env = "PASSWORKS_SMTP_USERNAME")]
    pub smtp_username: Option<String>,

    /// SMTP password.
    #[arg(long, env = "PASSWORKS_SMTP_PASSWORD", hide_env_values = true)]
    pub smtp_password: Option<String>,

    /// Sender of the e-mails: `noreply@example.com` or `Passworks <noreply@example.com>`.
    #[arg(long, env = "PASSWORKS_SMTP_FROM")]
    pub smtp_from: Option<String>,

    /// Seconds one e-mail may take, connection to `QUIT`; past it the send counts as failed.
    #[arg(long, env = "PASSWORKS_SMTP_TIMEOUT_SECONDS", default_value_t = 20)]
    pub smtp_timeout_seconds: u64,

    /// PEM file of certificate authorities trusted for the SMTP server's certificate, in
    /// addition to the public ones (a relay with a certificate from a company's own CA).
    #[arg(long, env = "PASSWORKS_SMTP_CA_FILE")]
    pub smtp_ca_file: Option<std::path::PathBuf>,
}

/// A configured SMTP server.
#[derive(Clone)]
pub struct Mailer {
    host: String,
    port: u16,
    tls: SmtpTls,
    credentials: Option<(String, String)>,
    /// The `From:` header as given, and its bare address for `MAIL FROM`.
    from_header: String,
    from_address: String,
    timeout: Duration,
    /// The name this server gives in `EHLO` (the public URL's host).
    helo: String,
    /// Certificate authorities of `--smtp-ca-file`, trusted beside the public roots.
    extra_roots: Vec<tokio_rustls::rustls::pki_types::CertificateDer<'static>>,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("from", &self.from_header)
            .finish()
    }
}

/// One e-mail.
#[derive(Debug, Clone)]
pub struct Message {
    pub to: String,
    pub subject: String,
    /// Plain text; lines end with `\n` (sent as CRLF).
    pub body: String,
}

impl Mailer {
    /// The mailer the options describe, `None` without a host; an error for options that
    /// cannot work (no sender, a sender that is not an address).
    pub fn from_args(args: &SmtpArgs, public_url: &str) -> anyhow::Result<Option<Mailer>> {
        let Some(host) = args
            .smtp_host
            .as_deref()
            .map(str::trim)
            .filter(|h| !h.is_empty())
        else {
            return Ok(None);
        };
        let from_header = args
            .smtp_from
            .as_deref()
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .ok_or_else(|| anyhow::anyhow!("--smtp-from is needed with --smtp-host"))?
            .to_string();
        let from_address = bare_address(&from_header).ok_or_else(|| {
            anyhow::anyhow!("--smtp-from {from_header:?} is not an e-mail address")
        })?;
        if from_header.contains(['\r', '\n']) {
            anyhow::bail!("--smtp-from must be one line");
        }
        let tls = args.smtp_tls;
        let credentials = match (&args.smtp_username, &args.smtp_password) {
            (Some(u), p) if !u.is_empty() => Some((u.clone(), p.clone().unwrap_or_default())),
            _ => None,
        };
        let helo = url::Url::parse(public_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .filter(|h| {
                h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-".contains(c))
            })
            .unwrap_or_else(|| "localhost".into());
        let extra_roots = match &args.smtp_ca_file {
            Some(path) => read_ca_file(path)?,
            None => Vec::new(),
        };
        Ok(Some(Mailer {
            extra_roots,
            host: host.to_string(),
            port: args.smtp_port.unwrap_or(tls.default_port()),
            tls,
            credentials,
            from_header,
            from_address,
            timeout: Duration::from_secs(args.smtp_timeout_seconds.max(1)),
            helo,
        }))
    }

    /// Sends `message`, within the configured time. The error says what went wrong in
    /// words fit to show an owner (no secrets).
    pub async fn send(&self, message: &Message) -> Result<(), String> {
        if bare_address(&message.to).as_deref() != Some(message.to.as_str()) {
            return Err(format!("{:?} is not an e-mail address", message.to));
        }
        match tokio::time::timeout(self.timeout, self.converse(message)).await {
            Ok(r) => r,
            Err(_) => Err(format!(
                "the SMTP server {}:{} did not finish within {} s",
                self.host,
                self.port,
                self.timeout.as_secs()
            )),
        }
    }

    async fn converse(&self, message: &Message) -> Result<(), String> {
        let tcp = TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(|e| format!("cannot connect to {}:{}: {e}", self.host, self.port))?;
        let stream: Box<dyn Io> = match self.tls {
            SmtpTls::Tls => Box::new(self.tls_wrap(tcp).await?),
            SmtpTls::Starttls | SmtpTls::None => Box::new(tcp),
        };
        let mut conn = Conn::new(stream);
        conn.expect(&[220], "greeting").await?;
        let mut ext = conn.ehlo(&self.helo).await?;
        if self.tls == SmtpTls::Starttls {
            if !ext.starttls {
                return Err(
                    "the SMTP server does not offer STARTTLS (set the TLS mode to `tls` or `none`)"
                        .into(),
                );
            }
            conn.command("STARTTLS", &[220]).await?;
            let plain = conn.into_inner();
            let tcp = plain.downcast_tcp()?;
            conn = Conn::new(Box::new(self.tls_wrap(tcp).await?));
            ext = conn.ehlo(&self.helo).await?;
        }
        if let Some((user, password)) = &self.credentials {
            if ext.auth_plain || !ext.auth_login {
                let token = base64::engine::general_purpose::STANDARD
                    .encode(format!("\0{user}\0{password}"));
                conn.command_secret(&format!("AUTH PLAIN {token}"), &[235], "AUTH PLAIN")
                    .await?;
            } else {
                let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
                conn.command("AUTH LOGIN", &[334]).await?;
                conn.command_secret(&b64(user), &[334], "the user name")
                    .await?;
                conn.command_secret(&b64(password), &[235], "the password")
                    .await?;
            }
        }
        let (data, eight_bit) = self.render(message, ext.eight_bit_mime);
        let body_param = if eight_bit { " BODY=8BITMIME" } else { "" };
        conn.command(
            &format!("MAIL FROM:<{}>{body_param}", self.from_address),
            &[250],
        )
        .await?;
        conn.command(&format!("RCPT TO:<{}>", message.to), &[250, 251])
            .await?;
        conn.command("DATA", &[354]).await?;
        conn.write_raw(data.as_bytes()).await?;
        conn.expect(&[250], "the message").await?;
        // The message is accepted; a failing QUIT changes nothing.
        let _ = conn.command("QUIT", &[221]).await;
        Ok(())
    }

    async fn tls_wrap(
        &self,
        tcp: TcpStream,
    ) -> Result<tokio_rustls::client::TlsStream<TcpStream>, String> {
        use tokio_rustls::rustls;
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        for cert in &self.extra_roots {
            roots
                .add(cert.clone())
                .map_err(|e| format!("TLS set-up: a certificate of --smtp-ca-file: {e}"))?;
        }
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS set-up: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
        let name = rustls::pki_types::ServerName::try_from(self.host.clone())
            .map_err(|_| format!("{:?} is not a host name for TLS", self.host))?;
        tokio_rustls::TlsConnector::from(Arc::new(config))
            .connect(name, tcp)
            .await
            .map_err(|e| format!("TLS with {}:{} failed: {e}", self.host, self.port))
    }

    /// The message as sent after `DATA`: headers, body with CRLF line ends and
    /// dot-stuffing, and the final `.` line. Non-ASCII text goes as 8bit when the server
    /// offers 8BITMIME, else as base64; the second value says whether it is 8bit.
    pub fn render(&self, message: &Message, eight_bit_mime: bool) -> (String, bool) {
        let ascii = message.body.is_ascii();
        let eight_bit = !ascii && eight_bit_mime;
        let (encoding, body) = if ascii || eight_bit {
            (if ascii { "7bit" } else { "8bit" }, message.body.clone())
        } else {
            let b64 = base64::engine::general_purpose::STANDARD.encode(message.body.as_bytes());
            let lines: Vec<String> = b64
                .as_bytes()
                .chunks(76)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect();
            ("base64", lines.join("\n"))
        };
        let date = chrono::Utc::now().to_rfc2822();
        let id = format!("<{}@{}>", crate::db::new_id(), self.helo);
        let mut out = String::new();
        for (name, value) in [
            ("From", self.from_header.clone()),
            ("To", message.to.clone()),
            ("Subject", encode_header(&message.subject)),
            ("Date", date),
            ("Message-ID", id),
            ("MIME-Version", "1.0".into()),
            ("Content-Type", "text/plain; charset=utf-8".into()),
            ("Content-Transfer-Encoding", encoding.into()),
            ("Auto-Submitted", "auto-generated".into()),
        ] {
            out.push_str(&format!("{name}: {value}\r\n"));
        }
        out.push_str("\r\n");
        for line in body.lines() {
            if line.starts_with('.') {
                out.push('.');
            }
            out.push_str(line);
            out.push_str("\r\n");
        }
        out.push_str(".\r\n");
        (out, eight_bit)
    }
}

/// A header value: as is when printable ASCII, else one RFC 2047 encoded word (UTF-8,
/// base64). Line breaks never pass.
fn encode_header(value: &str) -> String {
    let value: String = value.chars().filter(|c| !c.is_control()).collect();
    if value.is_ascii() {
        value
    } else {
        format!(
            "=?UTF-8?B?{}?=",
            base64::engine::general_purpose::STANDARD.encode(value.as_bytes())
        )
    }
}

/// A plausible e-mail address: something@domain.tld, no spaces, at most 320 characters.
pub fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && email.len() <= 320
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// The address of `Name <a@b.c>` or `a@b.c`, when it is a plausible one (no spaces,
/// angle brackets or control characters, one `@`).
pub fn bare_address(s: &str) -> Option<String> {
    let s = s.trim();
    let addr = match (s.rfind('<'), s.ends_with('>')) {
        (Some(i), true) => &s[i + 1..s.len() - 1],
        _ => s,
    };
    let ok =
        valid_email(addr) && !addr.contains(['<', '>', '"', ',', ';', '(', ')', '\\', '[', ']']);
    ok.then(|| addr.to_string())
}

/// The certificates of a PEM file, checked at start-up: a missing or unreadable file, one
/// without a certificate, or a certificate rustls cannot use as a root is an error then,
/// not at the first invitation.
fn read_ca_file(
    path: &std::path::Path,
) -> anyhow::Result<Vec<tokio_rustls::rustls::pki_types::CertificateDer<'static>>> {
    use anyhow::Context as _;
    use tokio_rustls::rustls::pki_types::{pem::PemObject, CertificateDer};
    let pem = std::fs::read(path)
        .with_context(|| format!("--smtp-ca-file {}: cannot read it", path.display()))?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            anyhow::anyhow!(
                "--smtp-ca-file {}: not a PEM file of certificates ({e})",
                path.display()
            )
        })?;
    if certs.is_empty() {
        anyhow::bail!(
            "--smtp-ca-file {}: holds no certificate (expected \"-----BEGIN CERTIFICATE-----\" blocks)",
            path.display()
        );
    }
    let mut check = tokio_rustls::rustls::RootCertStore::empty();
    for cert in &certs {
        check.add(cert.clone()).map_err(|e| {
            anyhow::anyhow!(
                "--smtp-ca-file {}: a certificate is not usable as an authority ({e})",
                path.display()
            )
        })?;
    }
    Ok(certs)
}

/// A connection that may be plain TCP or TLS.
trait Io: AsyncRead + AsyncWrite + Unpin + Send {
    /// The plain TCP stream, for the `STARTTLS` upgrade.
    fn downcast_tcp(self: Box<Self>) -> Result<TcpStream, String>;
}

impl Io for TcpStream {
    fn downcast_tcp(self: Box<Self>) -> Result<TcpStream, String> {
        Ok(*self)
    }
}

impl Io for tokio_rustls::client::TlsStream<TcpStream> {
    fn downcast_tcp(self: Box<Self>) -> Result<TcpStream, String> {
        Err("STARTTLS on a TLS connection".into())
    }
}

/// What the server offers after `EHLO`.
#[derive(Debug, Default)]
struct Extensions {
    starttls: bool,
    auth_plain: bool,
    auth_login: bool,
    eight_bit_mime: bool,
}

/// The SMTP conversation over one stream.
struct Conn {
    stream: BufReader<Box<dyn Io>>,
}

impl Conn {
    fn new(stream: Box<dyn Io>) -> Conn {
        Conn {
            stream: BufReader::new(stream),
        }
    }

    fn into_inner(self) -> Box<dyn Io> {
        self.stream.into_inner()
    }

    /// Reads one reply: its code and its lines' texts.
    async fn reply(&mut self) -> Result<(u16, Vec<String>), String> {
        let mut lines = Vec::new();
        loop {
            let mut buf = Vec::new();
            let n = (&mut self.stream)
                .take(MAX_LINE as u64 + 1)
                .read_until(b'\n', &mut buf)
                .await
                .map_err(|e| format!("reading from the SMTP server: {e}"))?;
            if n == 0 {
                return Err("the SMTP server closed the connection".into());
            }
            if buf.len() > MAX_LINE || !buf.ends_with(b"\n") {
                return Err("the SMTP server sent an over-long line".into());
            }
            let line = String::from_utf8_lossy(&buf).trim_end().to_string();
            let code = line
                .get(..3)
                .and_then(|c| c.parse::<u16>().ok())
                .ok_or_else(|| format!("the SMTP server answered {line:?}"))?;
            let last = line.as_bytes().get(3) != Some(&b'-');
            lines.push(line.get(4..).unwrap_or("").to_string());
            if last {
                return Ok((code, lines));
            }
            if lines.len() >= MAX_REPLY_LINES {
                return Err("the SMTP server sent an over-long reply".into());
            }
        }
    }

    /// Reads a reply and checks its code.
    async fn expect(&mut self, codes: &[u16], after: &str) -> Result<Vec<String>, String> {
        let (code, lines) = self.reply().await?;
        if codes.contains(&code) {
            Ok(lines)
        } else {
            Err(format!(
                "the SMTP server refused {after}: {code} {}",
                lines.join(" ")
            ))
        }
    }

    async fn write_raw(&mut self, bytes: &[u8]) -> Result<(), String> {
        let s = self.stream.get_mut();
        s.write_all(bytes)
            .await
            .map_err(|e| format!("writing to the SMTP server: {e}"))?;
        s.flush()
            .await
            .map_err(|e| format!("writing to the SMTP server: {e}"))
    }

    async fn command(&mut self, line: &str, codes: &[u16]) -> Result<Vec<String>, String> {
        self.write_raw(format!("{line}\r\n").as_bytes()).await?;
        let verb = line.split(':').next().unwrap_or(line);
        self.expect(codes, verb).await
    }

    /// A command that carries a secret: errors name `what`, never the line.
    async fn command_secret(
        &mut self,
        line: &str,
        codes: &[u16],
        what: &str,
    ) -> Result<(), String> {
        self.write_raw(format!("{line}\r\n").as_bytes()).await?;
        self.expect(codes, what).await.map(|_| ())
    }

    async fn ehlo(&mut self, helo: &str) -> Result<Extensions, String> {
        let lines = self.command(&format!("EHLO {helo}"), &[250]).await?;
        let mut ext = Extensions::default();
        for l in lines.iter().skip(1) {
            let words: Vec<String> = l.split_whitespace().map(str::to_ascii_uppercase).collect();
            match words.first().map(String::as_str) {
                Some("STARTTLS") => ext.starttls = true,
                Some("8BITMIME") => ext.eight_bit_mime = true,
                Some("AUTH") => {
                    ext.auth_plain |= words.iter().any(|w| w == "PLAIN");
                    ext.auth_login |= words.iter().any(|w| w == "LOGIN");
                }
                _ => {}
            }
        }
        Ok(ext)
    }
}

/// The invitation e-mail of `email` to join `organization` with `link`.
pub fn invitation(email: &str, organization: &str, role: &str, link: &str, days: i64) -> Message {
    let organization: String = organization.chars().filter(|c| !c.is_control()).collect();
    Message {
        to: email.to_string(),
        subject: format!("Your invitation to {organization}"),
        body: format!(
            "Hello,\n\n\
             you are invited to {organization} as {role}.\n\n\
             Open this link to choose your password and sign in:\n\n\
             {link}\n\n\
             The link works once, for {days} days. If you did not expect this e-mail, ignore it.\n"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(
            bare_address("Passworks <noreply@example.com>").as_deref(),
            Some("noreply@example.com")
        );
        assert_eq!(bare_address("a@b.co").as_deref(), Some("a@b.co"));
        assert_eq!(bare_address("a@b.co>\r\nRCPT TO:<x@y.z"), None);
        assert_eq!(bare_address("nobody"), None);
    }

    fn mailer() -> Mailer {
        let args = SmtpArgs {
            smtp_host: Some("smtp.example.com".into()),
            smtp_from: Some("Passworks <noreply@example.com>".into()),
            smtp_timeout_seconds: 20,
            ..Default::default()
        };
        Mailer::from_args(&args, "https://passes.example.com")
            .unwrap()
            .unwrap()
    }

    #[test]
    fn options() {
        let m = mailer();
        assert_eq!(
            (m.port, m.tls, m.helo.as_str()),
            (587, SmtpTls::Starttls, "passes.example.com")
        );
        assert_eq!(m.from_address, "noreply@example.com");
        let none = SmtpArgs::default();
        assert!(Mailer::from_args(&none, "http://x").unwrap().is_none());
        let no_from = SmtpArgs {
            smtp_host: Some("smtp.example.com".into()),
            ..Default::default()
        };
        assert!(Mailer::from_args(&no_from, "http://x").is_err());
    }

    #[test]
    fn messages_are_dot_stuffed_and_encoded() {
        let m = mailer();
        let msg = Message {
            to: "a@example.com".into(),
            subject: "Hi".into(),
            body: "line\n.starts with a dot\n".into(),
        };
        let (data, eight) = m.render(&msg, false);
        assert!(!eight);
        assert!(
            data.contains("\r\n\r\nline\r\n..starts with a dot\r\n.\r\n"),
            "{data}"
        );
        assert!(data.contains("Content-Transfer-Encoding: 7bit\r\n"));
        let utf8 = Message {
            body: "Café\n".into(),
            ..msg
        };
        let (data, eight) = m.render(&utf8, false);
        assert!(!eight);
        assert!(
            data.contains("Content-Transfer-Encoding: base64\r\n")
                && data.ends_with("\r\n\r\nQ2Fmw6kK\r\n.\r\n"),
            "{data}"
        );
        let (data, eight) = m.render(&utf8, true);
        assert!(eight);
        assert!(
            data.contains("Content-Transfer-Encoding: 8bit\r\n")
                && data.ends_with("\r\n\r\nCafé\r\n.\r\n"),
            "{data}"
        );
    }

    #[test]
    fn headers_are_encoded() {
        assert_eq!(encode_header("Hi\r\nBcc: x"), "HiBcc: x");
        assert_eq!(encode_header("Café"), "=?UTF-8?B?Q2Fmw6k=?=");
    }
}
