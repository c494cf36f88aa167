package main

import "github.com/spf13/cobra"

// registerNoCache adds --no-cache to a command that records scans.
func registerNoCache(cmd *cobra.Command) {
	cmd.Flags().Bool("no-cache", false, "read every layer, even those the history database holds from an earlier scan with the same rules and options")
}
