package casework_test

import (
	"errors"

	"github.com/strata-forensics/strata/casework"
)

func asInput(err error, ie **casework.InputError) bool { return errors.As(err, ie) }
