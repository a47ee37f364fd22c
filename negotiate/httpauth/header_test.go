package httpauth

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/negotiate"
)

func TestAuthorizationToken(t *testing.T) {
	cases := []struct {
		name   string
		values []string
		tok    string
		ok     bool
		err    string
	}{
		{"None", nil, "", false, ""},
		{"Basic", []string{"Basic eDp5"}, "", false, ""},
		{"Token", []string{"Negotiate YWJj"}, "abc", true, ""},
		{"CaseAndSpaces", []string{"  nEgOtIaTe   YWJj  "}, "abc", true, ""},
		{"NoPadding", []string{"Negotiate YWJjZA"}, "abcd", true, ""},
		{"Bare", []string{"Negotiate"}, "", true, "without a token"},
		{"BadBase64", []string{"Negotiate YW*j"}, "", true, "not base64"},
		{"Two", []string{"Negotiate YWJj", "Negotiate YWJj"}, "", true, "2 Authorization headers"},
		{"TooLong", []string{"Negotiate " + strings.Repeat("A", 101)}, "", true, "limit"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{"Authorization": tc.values}
			tok, ok, err := authorizationToken(h, 100)
			assert.Equal(t, tc.ok, ok)
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.tok, string(tok))
		})
	}
}

func TestChallengeToken(t *testing.T) {
	cases := []struct {
		name   string
		values []string
		tok    string
		found  bool
	}{
		{"None", nil, "", false},
		{"Bare", []string{"Negotiate"}, "", true},
		{"Token", []string{"Negotiate YWJj"}, "abc", true},
		{"List", []string{`Basic realm="x", Negotiate YWJj`}, "abc", true},
		{"SecondHeader", []string{`Basic realm="x"`, "negotiate"}, "", true},
		{"NTLMOnly", []string{"NTLM"}, "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tok, found, err := challengeToken(http.Header{"Www-Authenticate": tc.values}, "WWW-Authenticate")
			require.NoError(t, err)
			assert.Equal(t, tc.found, found)
			assert.Equal(t, tc.tok, string(tok))
		})
	}
}

func TestRejectToken(t *testing.T) {
	assert.Equal(t, "Negotiate oQcwBaADCgEC", headerValue(rejectToken))
	tok, err := negotiate.Parse(rejectToken)
	require.NoError(t, err)
	assert.Equal(t, negotiate.KindResp, tok.Kind)
	assert.Equal(t, negotiate.NegStateReject, tok.NegState)
}
