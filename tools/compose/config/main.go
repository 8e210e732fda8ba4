// compose-config: what `docker compose config --format json` prints, for a machine without Docker.
// It loads the compose files with compose-go, the library Docker Compose itself loads them with (schema
// validation, interpolation from the env file, merge of the override files, profiles, consistency of
// depends_on, networks and volumes), and prints the resolved project as JSON, or the loader's error.
//
//	go run . --env-file ../../../.env --profile infra,apps,observability,loadtest ../../../compose.yaml [more files]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	envFile := flag.String("env-file", ".env", "the .env file compose reads variables from")
	profiles := flag.String("profile", "", "comma-separated profiles to enable")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: compose-config --env-file FILE --profile a,b compose.yaml [override.yaml ...]")
		os.Exit(2)
	}
	options, err := cli.NewProjectOptions(
		flag.Args(),
		cli.WithName("shop"),
		cli.WithEnvFiles(*envFile),
		cli.WithDotEnv,
		cli.WithProfiles(strings.Split(*profiles, ",")),
		cli.WithInterpolation(true),
		cli.WithNormalization(true),
		cli.WithConsistency(true),
		cli.WithResolvedPaths(false),
	)
	if err != nil {
		fmt.Fprintf(os.Stderr, "compose-config: %v\n", err)
		os.Exit(1)
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		fmt.Fprintf(os.Stderr, "compose-config: %v\n", err)
		os.Exit(1)
	}
	out, err := project.MarshalJSON()
	if err != nil {
		fmt.Fprintf(os.Stderr, "compose-config: %v\n", err)
		os.Exit(1)
	}
	os.Stdout.Write(out)
	os.Stdout.Write([]byte("\n"))
}
