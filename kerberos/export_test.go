package kerberos

import "time"

// SetClockOffset moves p's clock by d, for clock-skew tests.
func SetClockOffset(p *Provider, d time.Duration) { p.clockOffset = d }
