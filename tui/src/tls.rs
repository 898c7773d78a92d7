//! HTTPS: which certificates the console trusts, and what it says when a server's certificate is
//! refused. It trusts the platform's roots (as the system's own tools do) and, with `--ca-cert`,
//! a private certificate authority as well. A refusal is final: no retry can change a
//! certificate, so it is said once, in words that name the host and the reason.

use std::path::Path;

/// The console's client settings for TLS: the platform's roots only, plus `extra` roots.
///
/// reqwest may be built with Mozilla's bundled roots as well when another crate in the build
/// asks for them; those are switched off so that what is trusted is what the platform trusts.
pub fn trusting(
    builder: reqwest::ClientBuilder,
    extra: &[reqwest::Certificate],
) -> reqwest::ClientBuilder {
    let mut builder = builder
        .tls_built_in_root_certs(false)
        .tls_built_in_native_certs(true);
    for certificate in extra {
        builder = builder.add_root_certificate(certificate.clone());
    }
    builder
}

/// Reads a certificate authority's certificates (PEM, one or more) to trust besides the
/// platform's. The error is one sentence that names the file and the problem.
pub fn load_ca(path: &Path) -> Result<Vec<reqwest::Certificate>, String> {
    let shown = path.display();
    let bytes =
        std::fs::read(path).map_err(|e| format!("CA certificate {shown}: cannot read it: {e}"))?;
    let certificates = reqwest::Certificate::from_pem_bundle(&bytes)
        .map_err(|_| format!("CA certificate {shown}: a PEM block in it is damaged"))?;
    if certificates.is_empty() {
        return Err(format!(
            "CA certificate {shown}: holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
        ));
    }
    // PEM that decodes may still not be a certificate: find out now, by building a client the
    // way the real one is built, rather than at the first request.
    let probe = reqwest::Client::builder().tls_built_in_root_certs(false);
    let probe = certificates
        .iter()
        .fold(probe, |b, c| b.add_root_certificate(c.clone()));
    probe.build().map_err(|e| {
        format!(
            "CA certificate {shown}: is not a certificate that can be trusted: {}",
            chain(&e)
        )
    })?;
    Ok(certificates)
}

/// The sentence for a request that TLS refused, or `None` when TLS was not the problem.
pub fn refusal(err: &reqwest::Error) -> Option<String> {
    let tls = rustls_error(err)?;
    let host = err
        .url()
        .and_then(|u| u.host_str())
        .unwrap_or("the server")
        .to_owned();
    Some(match tls {
        rustls::Error::InvalidCertificate(ref why) => format!(
            "the certificate of {host} is refused: {}",
            certificate_reason(why, &host)
        ),
        rustls::Error::InvalidMessage(_) => {
            format!("{host} does not answer in TLS: is it a plain http:// address?")
        }
        other => format!("a secure connection to {host} failed: {other}"),
    })
}

/// Why a certificate was refused, and what would help.
fn certificate_reason(why: &rustls::CertificateError, host: &str) -> String {
    use rustls::CertificateError as E;
    const PASS_CA: &str = "if a private CA signed it, pass --ca-cert FILE or FLIGHTDECK_CA_CERT";
    match why {
        E::UnknownIssuer => {
            format!("unknown issuer (it is not signed by a CA this machine trusts; {PASS_CA})")
        }
        E::Expired => "expired".to_owned(),
        E::ExpiredContext { not_after, .. } => {
            format!("expired on {}", date(not_after.as_secs()))
        }
        E::NotValidYet => "not valid yet".to_owned(),
        E::NotValidYetContext { not_before, .. } => {
            format!("not valid before {}", date(not_before.as_secs()))
        }
        E::NotValidForName => format!("name mismatch (it is not issued for {host})"),
        E::NotValidForNameContext { presented, .. } => {
            let names: Vec<&str> = presented.iter().map(|n| bare_name(n)).collect();
            format!(
                "name mismatch (it is issued for {}, not for {host})",
                if names.is_empty() {
                    "no name".to_owned()
                } else {
                    names.join(", ")
                }
            )
        }
        E::Revoked => "revoked by its issuer".to_owned(),
        E::BadSignature => "its signature does not verify".to_owned(),
        E::BadEncoding => "it cannot be read (bad encoding)".to_owned(),
        E::InvalidPurpose | E::InvalidPurposeContext { .. } => {
            "it is not issued for a TLS server".to_owned()
        }
        other => format!("{other:?}"),
    }
}

/// A presented name as rustls writes it, `DnsName("api.example")`, without its wrapping.
fn bare_name(presented: &str) -> &str {
    presented
        .split_once("(\"")
        .and_then(|(_, rest)| rest.strip_suffix("\")"))
        .unwrap_or(presented)
}

fn date(unix_seconds: u64) -> String {
    i64::try_from(unix_seconds)
        .ok()
        .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
        .map_or_else(
            || format!("{unix_seconds} s after 1970"),
            |d| d.format("%Y-%m-%d %H:%M UTC").to_string(),
        )
}

/// The rustls error somewhere in a request error's causes. An `io::Error`'s `source` skips the
/// error it wraps, so each one is opened as well.
fn rustls_error<'a>(err: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    let mut cause: Option<&'a (dyn std::error::Error + 'static)> = Some(err);
    while let Some(error) = cause {
        if let Some(tls) = error.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        if let Some(inner) = error
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .and_then(|inner| rustls_error(inner))
        {
            return Some(inner);
        }
        cause = error.source();
    }
    None
}

/// An error with its causes, as one line.
fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text = format!("{text}: {cause}");
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_name_the_host_and_what_to_do() {
        use rustls::CertificateError as E;
        let unknown = certificate_reason(&E::UnknownIssuer, "api.example");
        assert!(unknown.starts_with("unknown issuer"), "{unknown}");
        assert!(unknown.contains("--ca-cert"), "{unknown}");
        let expired = certificate_reason(
            &E::ExpiredContext {
                time: rustls::pki_types::UnixTime::since_unix_epoch(
                    std::time::Duration::from_secs(1_800_000_000),
                ),
                not_after: rustls::pki_types::UnixTime::since_unix_epoch(
                    std::time::Duration::from_secs(1_700_000_000),
                ),
            },
            "api.example",
        );
        assert_eq!(expired, "expired on 2023-11-14 22:13 UTC");
        assert_eq!(bare_name("DnsName(\"other.example\")"), "other.example");
        assert_eq!(bare_name("10.0.0.1"), "10.0.0.1");
        let name = certificate_reason(&E::NotValidForName, "api.example");
        assert!(
            name.contains("name mismatch") && name.contains("api.example"),
            "{name}"
        );
    }

    #[test]
    fn a_file_without_a_certificate_is_named() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, "not a certificate\n").expect("written");
        let err = load_ca(&path).expect_err("refused");
        assert!(
            err.contains("ca.pem") && err.contains("no PEM certificate"),
            "{err}"
        );
        let broken = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        std::fs::write(&path, broken).expect("written");
        let err = load_ca(&path).expect_err("refused");
        assert!(
            err.contains("ca.pem") && err.contains("not a certificate"),
            "{err}"
        );
        let err = load_ca(&dir.path().join("missing.pem")).expect_err("refused");
        assert!(
            err.contains("missing.pem") && err.contains("cannot read"),
            "{err}"
        );
    }
}
