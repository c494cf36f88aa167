package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func exactArgs(n int, names string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return badInput(fmt.Errorf("%s takes %s (got %d arguments)", cmd.Name(), names, len(args)))
		}
		return nil
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
