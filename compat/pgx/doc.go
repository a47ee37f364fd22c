// Package pgxgss lets pgx authenticate to PostgreSQL with Kerberos through gssnego.
package pgxgss
