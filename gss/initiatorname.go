package gss

// InitiatorNamer is implemented by contexts that can name the initiator
// alone. A server that needs only who the client is (an HTTP server's
// principal) then pays for one name where Inquire builds two: on MIT each
// name costs a display and a release, and each of those makes a krb5
// context of its own.
type InitiatorNamer interface {
	// InitiatorName is the display form of the initiator's name, as
	// Inquire's InitiatorName.
	InitiatorName() (string, error)
}

// InitiatorName names ctx's initiator: InitiatorNamer when ctx implements
// it, Inquire when it does not.
func InitiatorName(ctx SecContext) (string, error) {
	if n, ok := ctx.(InitiatorNamer); ok {
		return n.InitiatorName()
	}
	info, err := ctx.Inquire()
	if err != nil {
		return "", err
	}
	return info.InitiatorName, nil
}
