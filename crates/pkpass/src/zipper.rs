//! A minimal writer for zip archives of stored (uncompressed) entries.
//!
//! `.pkpass` files hold PNGs (already compressed) and a few small JSON files, so storing is
//! both the fastest option and barely larger than deflate. CRC-32s of prepared images are
//! computed once, so writing an archive is little more than copying bytes.

/// An archive being written in memory.
pub(crate) struct StoredZip {
    buf: Vec<u8>,
    central: Vec<u8>,
    count: u16,
    time: u16,
    date: u16,
}

impl StoredZip {
    /// Starts an archive; `capacity` is a hint for the total size.
    pub(crate) fn new(capacity: usize, (time, date): (u16, u16)) -> Self {
        StoredZip {
            buf: Vec::with_capacity(capacity),
            central: Vec::with_capacity(1024),
            count: 0,
            time,
            date,
        }
    }

    /// Appends an entry whose CRC-32 is already known.
    pub(crate) fn add_with_crc(&mut self, name: &str, data: &[u8], crc: u32) {
        let offset = self.buf.len() as u32;
        let size = data.len() as u32;
        let b = &mut self.buf;
        b.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        b.extend_from_slice(&10u16.to_le_bytes()); // version needed: 1.0 (stored)
        b.extend_from_slice(&0u16.to_le_bytes()); // flags
        b.extend_from_slice(&0u16.to_le_bytes()); // method: stored
        b.extend_from_slice(&self.time.to_le_bytes());
        b.extend_from_slice(&self.date.to_le_bytes());
        b.extend_from_slice(&crc.to_le_bytes());
        b.extend_from_slice(&size.to_le_bytes());
        b.extend_from_slice(&size.to_le_bytes());
        b.extend_from_slice(&(name.len() as u16).to_le_bytes());
        b.extend_from_slice(&0u16.to_le_bytes()); // extra length
        b.extend_from_slice(name.as_bytes());
        b.extend_from_slice(data);

        let c = &mut self.central;
        c.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        c.extend_from_slice(&0x0314u16.to_le_bytes()); // made by: Unix, 2.0
        c.extend_from_slice(&10u16.to_le_bytes());
        c.extend_from_slice(&0u16.to_le_bytes());
        c.extend_from_slice(&0u16.to_le_bytes());
        c.extend_from_slice(&self.time.to_le_bytes());
        c.extend_from_slice(&self.date.to_le_bytes());
        c.extend_from_slice(&crc.to_le_bytes());
        c.extend_from_slice(&size.to_le_bytes());
        c.extend_from_slice(&size.to_le_bytes());
        c.extend_from_slice(&(name.len() as u16).to_le_bytes());
        c.extend_from_slice(&0u16.to_le_bytes()); // extra
        c.extend_from_slice(&0u16.to_le_bytes()); // comment
        c.extend_from_slice(&0u16.to_le_bytes()); // disk
        c.extend_from_slice(&0u16.to_le_bytes()); // internal attributes
        c.extend_from_slice(&(0o100644u32 << 16).to_le_bytes()); // external: regular file rw-r--r--
        c.extend_from_slice(&offset.to_le_bytes());
        c.extend_from_slice(name.as_bytes());
        self.count += 1;
    }

    /// Appends an entry, computing its CRC-32.
    pub(crate) fn add(&mut self, name: &str, data: &[u8]) {
        self.add_with_crc(name, data, crc32fast::hash(data));
    }

    /// Writes the central directory and returns the archive bytes.
    pub(crate) fn finish(mut self) -> Vec<u8> {
        let cd_offset = self.buf.len() as u32;
        let cd_size = self.central.len() as u32;
        self.buf.extend_from_slice(&self.central);
        let b = &mut self.buf;
        b.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        b.extend_from_slice(&0u16.to_le_bytes());
        b.extend_from_slice(&0u16.to_le_bytes());
        b.extend_from_slice(&self.count.to_le_bytes());
        b.extend_from_slice(&self.count.to_le_bytes());
        b.extend_from_slice(&cd_size.to_le_bytes());
        b.extend_from_slice(&cd_offset.to_le_bytes());
        b.extend_from_slice(&0u16.to_le_bytes());
        self.buf
    }
}

/// MS-DOS (time, date) of a UTC instant, as stored in zip headers.
pub(crate) fn dos_time(t: chrono::DateTime<chrono::Utc>) -> (u16, u16) {
    use chrono::{Datelike, Timelike};
    let year = t.year().clamp(1980, 2107) as u16;
    let time = ((t.hour() as u16) << 11) | ((t.minute() as u16) << 5) | (t.second() as u16 / 2);
    let date = ((year - 1980) << 9) | ((t.month() as u16) << 5) | t.day() as u16;
    (time, date)
}
