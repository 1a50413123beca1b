package main

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/sys/unix"

	"github.com/gitops-gen/gen/generator"
	"github.com/gitops-gen/gen/generator/images"
	"github.com/gitops-gen/gen/internal/golden"
	"github.com/gitops-gen/gen/internal/testregistry"
)

// loopbackOnly is a transport that refuses to dial anything but loopback
// addresses, so that no script can reach a real registry.
func loopbackOnly() http.RoundTripper {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	dial := tr.DialContext
	tr.Proxy = nil
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			return nil, fmt.Errorf("tests may not dial %s", addr)
		}
		return dial(ctx, network, addr)
	}
	return tr
}

type registryKey struct{}
type markKey struct{}

// cmdMarkRequests remembers how many requests the script's registry has
// served so far.
func cmdMarkRequests(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: markrequests")
	}
	*ts.Value(markKey{}).(*int) = ts.Value(registryKey{}).(*testregistry.AutoSeed).Requests()
}

// cmdNoRequests fails if the registry served a request since markrequests
// (with !, if it served none).
func cmdNoRequests(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 0 {
		ts.Fatalf("usage: [!] norequests")
	}
	n := ts.Value(registryKey{}).(*testregistry.AutoSeed).Requests() - *ts.Value(markKey{}).(*int)
	if !neg && n != 0 {
		ts.Fatalf("the registry served %d requests since markrequests", n)
	}
	if neg && n == 0 {
		ts.Fatalf("the registry served no request since markrequests")
	}
}

// scriptRegistry is the registry host the scripts' images live on; the
// test entry of gen mirrors it (and registry.k8s.io, where the Cluster
// Autoscaler's default image lives) to the script's own local registry.
const scriptRegistry = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"

// readmeRegistry is the registry of the committed environments' images,
// which README's examples run on (see TestReadmeExamples).
const readmeRegistry = "235494787667.dkr.ecr.ap-south-1.amazonaws.com"

// scriptToday is the date the scripts run on (see GEN_TEST_TODAY).
const scriptToday = "2026-12-01"

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		// gen as users run it, except that the registry of the scripts'
		// images is answered by the script's local registry
		// ($GEN_TEST_REGISTRY, see Setup) through a mirror mapping, no
		// credentials are looked up (the AWS chain would ask the EC2
		// metadata service), and nothing but loopback can be dialled.
		"gen": func() {
			opts := []runOption{withRemoteOptions(
				images.WithKeychain(authn.NewMultiKeychain()),
				images.WithTransport(loopbackOnly()),
				images.WithRequestTimeout(5*time.Second))}
			if host := os.Getenv("GEN_TEST_REGISTRY"); host != "" {
				opts = append(opts, withRemoteOptions(images.WithMirrors(map[string]string{
					scriptRegistry:    host,
					readmeRegistry:    host, // the committed environments' (README's examples)
					"registry.k8s.io": host, // the Cluster Autoscaler's default image
					"cr.fluentbit.io": host, // Fluent Bit's default image (logging.sidecar)
				})))
			}
			if day := os.Getenv("GEN_TEST_TODAY"); day != "" {
				today, err := time.Parse(time.DateOnly, day)
				if err != nil {
					fmt.Fprintf(os.Stderr, "GEN_TEST_TODAY: %v\n", err)
					os.Exit(2)
				}
				opts = append(opts, withToday(today))
			}
			os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, opts...))
		},
	})
}

// TestScripts runs the CLI scripts in testdata/script. Each script runs
// in a fresh directory that already holds the repository's cue.mod/ and
// schema/, so a script brings only environments/ (and rendered/ if it
// needs one).
//
// Rewrite the expected output with -update or GEN_UPDATE=1, then read it.
func TestScripts(t *testing.T) {
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("testdata", "script"),
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		UpdateScripts:       golden.Update(), // -update or GEN_UPDATE=1
		Setup: func(env *testscript.Env) error {
			for _, dir := range []string{"cue.mod", "schema"} {
				if err := os.CopyFS(filepath.Join(env.WorkDir, dir), os.DirFS(filepath.Join(repo, dir))); err != nil {
					return fmt.Errorf("copying %s: %w", dir, err)
				}
			}
			env.Values[repoKey{}] = repo
			return scriptSetup(env)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"snapshot":     cmdSnapshot,
			"mtime":        cmdMtime,
			"unchanged":    cmdUnchanged,
			"markrequests": cmdMarkRequests,
			"norequests":   cmdNoRequests,
			"holdlock":     cmdHoldLock,
			"releaselock":  cmdReleaseLock,
			"waitlockers":  cmdWaitLockers,
			"sametree":     cmdSameTree,
			"splitstream":  cmdSplitStream,
			"copyrepo":     cmdCopyRepo,
		},
	})
}

// scriptSetup prepares a script's environment: a HOME and cache of its
// own, a registry that has any image asked of it (but tags starting with
// "missing"), and one date.
func scriptSetup(env *testscript.Env) error {
	if err := isolate(env); err != nil {
		return err
	}
	env.Values[snapshotsKey{}] = map[string]snapshot{}
	// Every script gets a registry that has any image asked of it
	// (but tags starting with "missing").
	reg := testregistry.StartAutoSeed()
	env.Defer(reg.Close)
	env.Setenv("GEN_TEST_REGISTRY", reg.Host())
	env.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	// Scripts see one date, so that their Kubernetes 1.35 does not
	// leave EKS standard support (a warning) on 2027-03-27, nor a
	// waiver expire, while nothing else changes.
	env.Setenv("GEN_TEST_TODAY", scriptToday)
	env.Values[registryKey{}] = reg
	env.Values[markKey{}] = new(int)
	env.Values[heldLockKey{}] = new(*os.File)
	return nil
}

// isolate gives the script a HOME and a cache folder of its own, under its
// work dir, and turns gen's cache off (see sandboxEnv). testscript sets
// HOME=/no-home for every script: run as root, gen would create
// /no-home/.cache/gen and share its entries between scripts and test runs.
// Scripts about the cache turn it on ("env GEN_CACHE=on") and date their
// inputs with mtime.
func isolate(env *testscript.Env) error {
	vars, err := sandboxEnv(env.WorkDir)
	if err != nil {
		return err
	}
	for _, kv := range vars {
		k, v, _ := strings.Cut(kv, "=")
		env.Setenv(k, v)
	}
	return nil
}

// sandboxEnv returns the environment variables that keep gen, and what
// runs it, away from the tester's home and from other tests: HOME (where
// gen would find ~/.cache/gen, ~/.docker and ~/.aws) and the XDG folders
// in dir/.home, which it creates, gen's cache folder in dir/.cache/gen,
// and gen's cache off. Whether gen records a render depends on how long
// before it its inputs were written (two seconds, generator.mtimeSlack),
// which a busy machine stretches: a test that is not about the cache
// must not see "cached": true one run in a hundred.
func sandboxEnv(dir string) ([]string, error) {
	home := filepath.Join(dir, ".home")
	if err := os.MkdirAll(home, 0o755); err != nil {
		return nil, err
	}
	return []string{
		"HOME=" + home,
		// os.UserCacheDir and os.UserConfigDir read these before HOME.
		"XDG_CACHE_HOME=" + filepath.Join(home, ".cache"),
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"GEN_CACHE_DIR=" + filepath.Join(dir, ".cache", "gen"),
		"GEN_CACHE=off",
	}, nil
}

// repoKey holds the repository's root, for copyrepo.
type repoKey struct{}

// cmdCopyRepo copies the repository's own folders DIR... (such as
// policies) into the script's work dir, for a script that must meet what
// the repository itself enforces.
//
//	copyrepo DIR...
func cmdCopyRepo(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: copyrepo DIR...")
	}
	repo := ts.Value(repoKey{}).(string)
	for _, dir := range args {
		ts.Check(os.CopyFS(ts.MkAbs(dir), os.DirFS(filepath.Join(repo, dir))))
	}
}

type snapshotsKey struct{}

// snapshot is a directory tree as it was: every entry by slash-separated
// path relative to the tree's root.
type snapshot map[string]entry

type entry struct {
	info fs.FileInfo
	data []byte // regular files only
	link string // symbolic links only
}

// cmdMtime sets the modification time of every file under each PATH to
// now plus OFFSET (a Go duration, such as -1h or +1h). gen's cache does
// not record a render whose inputs were modified at or after its start,
// less two seconds (the edit may have raced the render). Scripts write
// their files moments before running gen, and on a busy machine moments
// can be seconds: a script about the cache dates its inputs explicitly,
// an hour back to have renders recorded, an hour ahead to have them not.
//
//	mtime OFFSET PATH...
func cmdMtime(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: mtime OFFSET PATH...")
	}
	offset, err := time.ParseDuration(args[0])
	if err != nil {
		ts.Fatalf("mtime: %v", err)
	}
	then := time.Now().Add(offset)
	for _, dir := range args[1:] {
		err := filepath.WalkDir(ts.MkAbs(dir), func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			return os.Chtimes(p, then, then)
		})
		ts.Check(err)
	}
}

// cmdSnapshot records the tree DIR under NAME, for unchanged.
//
//	snapshot DIR NAME
func cmdSnapshot(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: snapshot DIR NAME")
	}
	snap, err := readSnapshot(ts.MkAbs(args[0]))
	ts.Check(err)
	ts.Value(snapshotsKey{}).(map[string]snapshot)[args[1]] = snap
}

// cmdUnchanged asserts that the tree DIR is as snapshot NAME recorded it:
// the same files, directories and links, each with the same content and
// mode, and no file rewritten, even with identical bytes (same file and
// modification time). It also fails if DIR holds a ".gen-*" leftover of an
// interrupted write. With !, it asserts that something changed.
//
//	unchanged DIR NAME
func cmdUnchanged(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: unchanged DIR NAME")
	}
	was, ok := ts.Value(snapshotsKey{}).(map[string]snapshot)[args[1]]
	if !ok {
		ts.Fatalf("no snapshot %q", args[1])
	}
	now, err := readSnapshot(ts.MkAbs(args[0]))
	ts.Check(err)
	diffs := compareSnapshots(was, now, true)
	switch {
	case neg && len(diffs) == 0:
		ts.Fatalf("%s is unchanged since snapshot %s", args[0], args[1])
	case !neg && len(diffs) > 0:
		ts.Fatalf("%s changed since snapshot %s:\n\t%s", args[0], args[1], strings.Join(diffs, "\n\t"))
	}
}

func readSnapshot(root string) (snapshot, error) {
	snap := snapshot{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		e := entry{info: info}
		switch {
		case info.Mode().IsRegular():
			if e.data, err = os.ReadFile(p); err != nil {
				return err
			}
		case info.Mode()&fs.ModeSymlink != 0:
			if e.link, err = os.Readlink(p); err != nil {
				return err
			}
		}
		snap[filepath.ToSlash(rel)] = e
		return nil
	})
	return snap, err
}

// cmdSameTree asserts that the tree DIR holds what one of the snapshots
// NAME recorded (the same paths, modes and contents, however written)
// and no ".gen-*" leftover of an interrupted write.
//
//	sametree DIR NAME...
func cmdSameTree(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: sametree DIR NAME...")
	}
	now, err := readSnapshot(ts.MkAbs(args[0]))
	ts.Check(err)
	var report []string
	for _, name := range args[1:] {
		was, ok := ts.Value(snapshotsKey{}).(map[string]snapshot)[name]
		if !ok {
			ts.Fatalf("no snapshot %q", name)
		}
		diffs := compareSnapshots(was, now, false)
		if len(diffs) == 0 {
			return
		}
		report = append(report, fmt.Sprintf("from snapshot %s:\n\t%s", name, strings.Join(diffs, "\n\t")))
	}
	ts.Fatalf("%s is none of the snapshots %s; it differs\n%s", args[0], strings.Join(args[1:], ", "), strings.Join(report, "\n"))
}

// cmdSplitStream writes each document of FILE, a YAML stream as gen
// render -o - prints it, to the file under DIR that its "# Source: "
// comment names, and fails unless FILE is such documents, and only
// those, in the order of the rendered tree: environments by name, then
// each environment's files by path.
//
//	splitstream FILE DIR
func cmdSplitStream(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: splitstream FILE DIR")
	}
	data, ok := strings.CutPrefix(ts.ReadFile(args[0]), "---\n")
	if !ok {
		ts.Fatalf("%s does not start with ---", args[0])
	}
	docs := strings.Split(data, "\n---\n")
	var prevEnv, prevFile string
	for i, doc := range docs {
		if i < len(docs)-1 {
			doc += "\n" // the line break before the next ---
		}
		head, body, _ := strings.Cut(doc, "\n")
		p, ok := strings.CutPrefix(head, generator.StreamSource)
		parts := strings.SplitN(p, "/", 3) // rendered, env, file
		if !ok || len(parts) != 3 || parts[0] != generator.RenderedDir || parts[2] == "" {
			ts.Fatalf("document %d starts with %q, not %srendered/ENV/PATH", i+1, head, generator.StreamSource)
		}
		switch env, file := parts[1], parts[2]; {
		case env == prevEnv && file <= prevFile, env < prevEnv:
			ts.Fatalf("document %d, %s, comes after %s/%s: not in the order of the tree", i+1, p, prevEnv, prevFile)
		default:
			prevEnv, prevFile = env, file
		}
		dst := ts.MkAbs(filepath.Join(args[1], filepath.FromSlash(p)))
		ts.Check(os.MkdirAll(filepath.Dir(dst), 0o755))
		ts.Check(os.WriteFile(dst, []byte(body), 0o644))
	}
}

// compareSnapshots describes how now differs from was, one line per path;
// with rewrites, a file written again with the same content is a
// difference too.
func compareSnapshots(was, now snapshot, rewrites bool) []string {
	var diffs []string
	for p, n := range now {
		if strings.HasPrefix(filepath.Base(p), ".gen-") {
			diffs = append(diffs, "leftover temporary entry "+p)
			continue
		}
		w, ok := was[p]
		switch {
		case !ok:
			diffs = append(diffs, "new "+p)
		case w.info.Mode() != n.info.Mode():
			diffs = append(diffs, fmt.Sprintf("%s: mode %v, was %v", p, n.info.Mode(), w.info.Mode()))
		case !bytes.Equal(w.data, n.data):
			diffs = append(diffs, "content of "+p+" changed")
		case w.link != n.link:
			diffs = append(diffs, fmt.Sprintf("%s: link to %s, was to %s", p, n.link, w.link))
		case rewrites && !n.info.IsDir() && (!os.SameFile(w.info, n.info) || !w.info.ModTime().Equal(n.info.ModTime())):
			diffs = append(diffs, p+" was rewritten with the same content")
		}
	}
	for p := range was {
		if _, ok := now[p]; !ok {
			diffs = append(diffs, "removed "+p)
		}
	}
	slices.Sort(diffs)
	return diffs
}

// cmdHoldLock takes the flock(2) gen render takes on the lock file (as
// another gen writing rendered/ would) and holds it until the script ends.
//
//	holdlock rendered/.gen.lock
func cmdHoldLock(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: holdlock file")
	}
	f, err := os.OpenFile(ts.MkAbs(args[0]), os.O_RDWR|os.O_CREATE, 0o644)
	ts.Check(err)
	ts.Check(unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB))
	*ts.Value(heldLockKey{}).(**os.File) = f
	ts.Defer(func() { f.Close() })
}

// heldLockKey holds the file of holdlock, for releaselock.
type heldLockKey struct{}

// cmdReleaseLock releases the lock that holdlock took.
//
//	releaselock
func cmdReleaseLock(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: releaselock")
	}
	held := ts.Value(heldLockKey{}).(**os.File)
	if *held == nil {
		ts.Fatalf("releaselock: no lock held (holdlock first)")
	}
	ts.Check((*held).Close())
	*held = nil
}

// lockersTimeout bounds how long waitlockers waits: it asserts nothing
// about time, and a loaded machine may take a while to start gen.
const lockersTimeout = 3 * time.Minute

// cmdWaitLockers waits until N processes are blocked in flock(2) on the
// lock file, as /proc/locks lists them ("->" lines for the file's inode),
// and fails if that does not happen within lockersTimeout. It lets a
// script know that the gen runs it started in the background are waiting
// for the lock it holds.
//
//	waitlockers N rendered/.gen.lock
func cmdWaitLockers(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: waitlockers N file")
	}
	var want int
	_, err := fmt.Sscan(args[0], &want)
	ts.Check(err)
	var st unix.Stat_t
	ts.Check(unix.Stat(ts.MkAbs(args[1]), &st))
	suffix := fmt.Sprintf(":%d", st.Ino)
	deadline := time.Now().Add(lockersTimeout)
	for {
		data, err := os.ReadFile("/proc/locks")
		ts.Check(err)
		// 1: -> FLOCK  ADVISORY  WRITE 4242 08:01:1234 0 EOF
		waiting := 0
		for line := range strings.Lines(string(data)) {
			f := strings.Fields(line)
			if len(f) >= 7 && f[1] == "->" && f[2] == "FLOCK" && strings.HasSuffix(f[6], suffix) {
				waiting++
			}
		}
		if waiting >= want {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("%d processes wait for the lock on %s after %s, want %d", waiting, args[1], lockersTimeout, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
