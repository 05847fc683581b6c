//! Apple Wallet pass packages (placeholder until the pkpass work lands).
