package generator

import (
	"bytes"
	"encoding/binary"
	"slices"

	"github.com/gitops-gen/gen/generator/internal/cache"
	"github.com/gitops-gen/gen/generator/internal/load"
)

// appMemo keeps each environment's evaluated apps in the cache (see
// [load.Memo]), in one entry per environment, so that a render after one
// app changed evaluates that app alone. The entry's key names the gen
// binary, the root and CUE's settings; each app's own key inside it names
// everything the app was evaluated from.
type appMemo struct {
	c      *cache.Cache
	prefix []string
}

// memo returns the memo of o.Cache, or nil without a cache.
func (o Options) memo() load.Memo {
	exe, root, ok := o.cacheScope()
	if !ok {
		return nil
	}
	return appMemo{c: o.Cache, prefix: []string{"apps/v1", exe, root, cueSettings()}}
}

func (m appMemo) key(env string) string {
	return cache.Key(append(slices.Clone(m.prefix), env)...)
}

// An entry is appsMagic, then for each app its key's length and bytes and
// its JSON's length and bytes (unsigned varints): reading it is one pass
// over the bytes, without decoding the apps' JSON.
const appsMagic = "gen apps 1\n"

func (m appMemo) Apps(env string) map[string][]byte {
	data, ok := m.c.GetBytes(m.key(env))
	if !ok || !bytes.HasPrefix(data, []byte(appsMagic)) {
		return nil
	}
	data = data[len(appsMagic):]
	apps := map[string][]byte{}
	next := func() ([]byte, bool) {
		n, k := binary.Uvarint(data)
		if k <= 0 || n > uint64(len(data)-k) {
			return nil, false
		}
		b := data[k : k+int(n)]
		data = data[k+int(n):]
		return b, true
	}
	for len(data) > 0 {
		key, ok1 := next()
		val, ok2 := next()
		if !ok1 || !ok2 {
			return nil
		}
		apps[string(key)] = val
	}
	return apps
}

func (m appMemo) Remember(env string, apps map[string][]byte) {
	keys := make([]string, 0, len(apps))
	size := len(appsMagic)
	for k, v := range apps {
		keys = append(keys, k)
		size += len(k) + len(v) + 2*binary.MaxVarintLen64
	}
	slices.Sort(keys)
	b := make([]byte, 0, size)
	b = append(b, appsMagic...)
	for _, k := range keys {
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
		b = binary.AppendUvarint(b, uint64(len(apps[k])))
		b = append(b, apps[k]...)
	}
	_ = m.c.PutBytes(m.key(env), b)
}
