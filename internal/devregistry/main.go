// Command devregistry starts an OCI registry on 127.0.0.1, pushes a small
// deterministic image for every image tag the environments use, and runs
// a command with GEN_DEV_REGISTRY set to the registry's host:port; the
// registry stops when the command ends. Without a command it prints the
// host and serves until interrupted.
//
// It makes the committed lock files reproducible without AWS:
//
//	go run ./internal/devregistry -- sh -c 'gen images prod --refresh \
//	    --mirror 235494787667.dkr.ecr.ap-south-1.amazonaws.com=$GEN_DEV_REGISTRY'
//
// (make locks does this for every environment.)
package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"slices"

	"github.com/google/go-containerregistry/pkg/registry"

	"github.com/gitops-gen/gen/generator"
	"github.com/gitops-gen/gen/generator/images"
	"github.com/gitops-gen/gen/internal/fakeimages"
)

func main() {
	root := flag.String("root", ".", "the repository whose environments' images to serve")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("devregistry: ")

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	host := ln.Addr().String()
	go http.Serve(ln, registry.New(registry.Logger(log.New(io.Discard, "", 0))))

	tags, err := imageTags(*root)
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range tags {
		if _, err := fakeimages.PushUnder(host, t[0], t[1]); err != nil {
			log.Fatal(err)
		}
	}
	log.Printf("serving %d images on %s", len(tags), host)

	if flag.NArg() == 0 {
		fmt.Println(host)
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt)
		<-sig
		return
	}
	cmd := exec.Command(flag.Arg(0), flag.Args()[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), "GEN_DEV_REGISTRY="+host)
	if err := cmd.Run(); err != nil {
		log.Printf("%s: %v", flag.Arg(0), err)
		os.Exit(1)
	}
}

// imageTags returns every (repository, tag) the environments under root
// use (apps and platform pieces, as gen images lists them), sorted.
func imageTags(root string) ([][2]string, error) {
	listed, err := generator.Images(context.Background(), generator.Options{Root: root,
		Images: images.PinOptions{Lenient: true}})
	if err != nil {
		return nil, err
	}
	set := map[[2]string]bool{}
	for _, env := range listed {
		for _, im := range env.Images {
			if im.Origin != images.FromCUE {
				set[[2]string{im.Repository, im.Tag}] = true
			}
		}
	}
	return slices.SortedFunc(maps.Keys(set), func(a, b [2]string) int {
		return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1]))
	}), nil
}
