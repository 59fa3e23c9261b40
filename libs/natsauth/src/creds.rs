//! The credentials file format NATS clients read: a user JWT and the seed
//! of the key it was issued to.

/// The text of a `.creds` file for `jwt`, proven with `seed`.
pub fn file(jwt: &str, seed: &str) -> String {
    format!(
        "-----BEGIN NATS USER JWT-----\n{jwt}\n------END NATS USER JWT------\n\n\
         ************************* IMPORTANT *************************\n\
         NKEY Seed printed below can be used to sign and prove identity.\n\
         NKEYs are sensitive and should be treated as secrets.\n\n\
         -----BEGIN USER NKEY SEED-----\n{seed}\n------END USER NKEY SEED------\n\n\
         *************************************************************\n"
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_file_reads_back_with_the_client() {
        let user = nkeys::KeyPair::new_user();
        let text = super::file("eyJ0.eyJ1.c2ln", &user.seed().unwrap());
        assert!(async_nats::ConnectOptions::with_credentials(&text).is_ok());
    }
}
