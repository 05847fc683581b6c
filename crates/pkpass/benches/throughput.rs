//! Throughput of `build_pkpass` with realistic images (~300 KB of PNG per pass: icon, logo and
//! strip at 1x and @2x), on one thread and on two threads sharing one `Arc<Signer>`.
//!
//! Run with `cargo bench -p passworks-pkpass`. Plain `std::time` measurement, no harness.
//! `PKPASS_BENCH_SECS` sets the measuring time per case (default 3 s).

use std::collections::HashMap;
use std::hint::black_box;
use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use image::{ImageEncoder, Rgb, RgbImage};
use passworks_pkpass::{build_pkpass, dev_ca, PassSpec, PrepareOptions, PreparedImage, Signer};
use passworks_wire::{AssetType, Barcode, BarcodeFormat, Behaviour, Field, PassType};

/// A photo-like picture: smooth gradients plus pixel noise of amplitude `noise / 10`.
fn photo(w: u32, h: u32, seed: u32, noise: u32) -> Vec<u8> {
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    let img = RgbImage::from_fn(w, h, |x, y| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let n = |s: u32| ((s % (2 * noise + 1)) as i32 - noise as i32) / 10;
        let fx = x as f32 / w as f32;
        let fy = y as f32 / h as f32;
        let base = [
            (120.0 + 100.0 * (fx * 6.0 + seed as f32).sin()) as i32,
            (110.0 + 90.0 * (fy * 4.0).cos()) as i32,
            (100.0 + 80.0 * ((fx + fy) * 5.0).sin()) as i32,
        ];
        Rgb([
            (base[0] + n(state)).clamp(0, 255) as u8,
            (base[1] + n(state >> 8)).clamp(0, 255) as u8,
            (base[2] + n(state >> 16)).clamp(0, 255) as u8,
        ])
    });
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(img.as_raw(), w, h, image::ExtendedColorType::Rgb8)
        .unwrap();
    out
}

fn prepare(noise: u32) -> Vec<PreparedImage> {
    let opts = PrepareOptions {
        style: Some(PassType::Coupon),
        max_scale: 2,
    };
    vec![
        PreparedImage::from_png_with(AssetType::Icon, &photo(58, 58, 1, noise), opts).unwrap(),
        PreparedImage::from_png_with(AssetType::Logo, &photo(320, 100, 2, noise), opts).unwrap(),
        PreparedImage::from_png_with(AssetType::Strip, &photo(750, 246, 3, noise), opts).unwrap(),
    ]
}

fn field(key: &str, label: &str, value: &str) -> Field {
    Field {
        key: key.into(),
        label: Some(label.into()),
        value: Some(value.into()),
        behaviour: Behaviour::Dynamic,
    }
}

fn spec(serial: u64) -> PassSpec {
    let code = format!("{serial:07}");
    let mut change_messages = HashMap::new();
    change_messages.insert("balance".into(), "Balance: %@".into());
    PassSpec {
        style: PassType::Coupon,
        serial_number: code.clone(),
        authentication_token: format!("tok{serial:020}"),
        web_service_url: Some("https://passes.example.com/v1/apple".into()),
        organization_name: "Example Coffee".into(),
        description: "Example coupon".into(),
        logo_text: Some("Example".into()),
        background_color: Some("#ce8c46".into()),
        foreground_color: Some("#ffffff".into()),
        label_color: Some("#102030".into()),
        header_fields: vec![field("balance", "Balance", "12.50")],
        primary_fields: vec![field("offer", "Offer", "20% off")],
        secondary_fields: vec![
            field("holder", "Name", "Jane Appleseed"),
            field("level", "Level", "Gold"),
        ],
        auxiliary_fields: vec![field("expires", "Expires", "2030-01-01")],
        back_fields: vec![field(
            "terms",
            "Terms",
            "Not valid with other offers. One per customer.",
        )],
        barcodes: vec![Barcode {
            format: BarcodeFormat::Qrcode,
            message: code.clone(),
            alt_text: code,
            alt_text_type: "mirror".into(),
        }],
        relevant_date: Some("2030-01-01T10:00:00+01:00".into()),
        user_info: serde_json::json!({"customer": serial}),
        change_messages,
        ..PassSpec::default()
    }
}

/// CPU time (user + system) consumed by this process so far, in seconds (Linux only).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// Returns (passes, passes per wall-clock second, bytes of the last pass, passes per CPU second).
fn run(
    threads: usize,
    dur: Duration,
    signer: &Arc<Signer>,
    images: &[PreparedImage],
) -> (u64, f64, usize, Option<f64>) {
    let cpu0 = cpu_seconds();
    let start = Instant::now();
    let results: Vec<(u64, usize)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let signer = signer.clone();
                s.spawn(move || {
                    let refs: Vec<&PreparedImage> = images.iter().collect();
                    let mut n = 0u64;
                    let mut bytes = 0usize;
                    while start.elapsed() < dur {
                        let serial = (t as u64) << 32 | n;
                        let p = build_pkpass(&spec(serial), &refs, &signer).expect("valid pass");
                        bytes = p.len();
                        black_box(p);
                        n += 1;
                    }
                    (n, bytes)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let elapsed = start.elapsed().as_secs_f64();
    let n: u64 = results.iter().map(|r| r.0).sum();
    let per_cpu = match (cpu0, cpu_seconds()) {
        (Some(a), Some(b)) if b > a => Some(n as f64 / (b - a)),
        _ => None,
    };
    (n, n as f64 / elapsed, results[0].1, per_cpu)
}

fn main() {
    let secs: f64 = std::env::var("PKPASS_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3.0);
    let dur = Duration::from_secs_f64(secs);
    let id = dev_ca::generate("BENCHTEAM1", "pass.bench.example", "Bench").unwrap();
    let signer = Arc::new(id.signer().unwrap());

    // Bisect the noise amplitude (in tenths) so the images add up to about 300 KB.
    let (mut lo, mut hi) = (5u32, 40u32);
    let mut noise = 20;
    let mut images = prepare(noise);
    for _ in 0..8 {
        let total: usize = images.iter().map(|i| i.total_bytes()).sum();
        if (285_000..=315_000).contains(&total) || hi - lo <= 1 {
            break;
        }
        if total < 285_000 {
            lo = noise
        } else {
            hi = noise
        }
        noise = (lo + hi) / 2;
        images = prepare(noise);
    }
    let total: usize = images.iter().map(|i| i.total_bytes()).sum();
    println!(
        "images per pass: {} files, {:.1} KB of PNG (noise {noise})",
        images.iter().map(|i| i.file_entries().len()).sum::<usize>(),
        total as f64 / 1000.0
    );
    for i in &images {
        for f in i.file_entries() {
            println!(
                "  {:<16} {:>5}x{:<4} {:>7} bytes",
                f.name,
                f.width,
                f.height,
                f.bytes.len()
            );
        }
    }

    // Components.
    let manifest = br#"{"pass.json":"0123456789abcdef0123456789abcdef01234567","icon.png":"0123456789abcdef0123456789abcdef01234567"}"#;
    let t = Instant::now();
    let mut k = 0;
    while t.elapsed() < Duration::from_secs_f64(secs.min(1.0)) {
        black_box(signer.sign_manifest(black_box(manifest)).unwrap());
        k += 1;
    }
    println!(
        "sign_manifest alone: {:.0} signatures/s ({:.1} µs each)",
        k as f64 / t.elapsed().as_secs_f64(),
        t.elapsed().as_secs_f64() * 1e6 / k as f64
    );

    // Compare with zipping the same files with deflate (zip crate), to justify stored entries.
    let refs: Vec<&PreparedImage> = images.iter().collect();
    let sample = build_pkpass(&spec(1), &refs, &signer).unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&sample)).unwrap();
    let mut entries = Vec::new();
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).unwrap();
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut f, &mut data).unwrap();
        entries.push((f.name().to_string(), data));
    }
    let t = Instant::now();
    let mut k = 0;
    let mut deflated = 0;
    while t.elapsed() < Duration::from_secs_f64(secs.min(1.0)) {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in &entries {
            w.start_file(name.as_str(), opts).unwrap();
            w.write_all(data).unwrap();
        }
        deflated = w.finish().unwrap().into_inner().len();
        k += 1;
    }
    println!(
        "zip crate, deflate, same files: {:.0} archives/s ({:.1} µs each, {} bytes vs {} stored)",
        k as f64 / t.elapsed().as_secs_f64(),
        t.elapsed().as_secs_f64() * 1e6 / k as f64,
        deflated,
        sample.len()
    );

    // Warm up, then measure.
    run(1, Duration::from_millis(300), &signer, &images);
    let cpu = |c: Option<f64>| {
        c.map(|c| format!("{c:.0} passes per CPU-second"))
            .unwrap_or_default()
    };
    let (n1, rate1, size, c1) = run(1, dur, &signer, &images);
    println!(
        "build_pkpass, 1 thread : {rate1:>7.0} passes/s ({n1} passes, {size} bytes each; {})",
        cpu(c1)
    );
    let (n2, rate2, _, c2) = run(2, dur, &signer, &images);
    println!(
        "build_pkpass, 2 threads: {rate2:>7.0} passes/s ({n2} passes; {})",
        cpu(c2)
    );
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        println!(
            "load average during the run (other processes share these cores): {}",
            load.trim()
        );
    }
}
