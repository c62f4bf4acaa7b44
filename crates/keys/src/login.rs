//! Password hashes for web console login (Argon2id, PHC strings), kept apart from the
//! key wraps: a login hash never travels to a tablet, a wrap never logs anyone in.

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::{KeyError, fold_password, random};

/// Hashes `password` for login: Argon2id with RFC 9106's second profile, as a PHC
/// string (`$argon2id$v=19$m=65536,t=3,p=4$…`) that records its own parameters.
pub fn hash_login_password(password: &str) -> Result<String, KeyError> {
    let params =
        Params::new(64 * 1024, 3, 4, None).map_err(|e| KeyError::BadParams(e.to_string()))?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let salt = random::<16>()?;
    let hash = argon
        .hash_password_with_salt(fold_password(password).as_bytes(), &salt)
        .map_err(|e| KeyError::BadParams(e.to_string()))?;
    Ok(hash.to_string())
}

/// True when `password` matches `phc`. A malformed hash is a non-match, never a panic.
pub fn verify_login_password(password: &str, phc: &str) -> bool {
    Argon2::default()
        .verify_password(fold_password(password).as_bytes(), phc)
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_right_password_verifies_and_others_do_not() {
        let phc = hash_login_password("Office-2026").expect("hash");
        assert!(
            phc.starts_with("$argon2id$v=19$m=65536,t=3,p=4$"),
            "Argon2id with its parameters: {phc}"
        );
        assert!(verify_login_password("Office-2026", &phc));
        assert!(
            verify_login_password("Ｏｆｆｉｃｅ－２０２６", &phc),
            "全角 typing is the same password"
        );
        assert!(!verify_login_password("office-2026", &phc));
        assert!(
            !verify_login_password("Office-2026", "not a hash"),
            "a broken hash never verifies"
        );
        assert_ne!(
            phc,
            hash_login_password("Office-2026").expect("hash"),
            "every hash has its own salt"
        );
    }
}
