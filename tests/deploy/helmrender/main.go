// helmrender renders a Helm chart the way `helm template` does, for the tests under
// tests/deploy: Debian 12 has no helm binary, but it has the engine Helm is built on (Go's
// text/template with the sprig function library). This file re-implements only the part of
// Helm's engine (helm.sh/helm/v3/pkg/engine, pkg/chartutil) that a chart sees:
//
//   - the template set: every file under templates/ (partials from _*.tpl included), named
//     "<chart>/templates/<file>", executed with missingkey=zero and "<no value>" removed;
//   - the built-in objects .Values, .Release, .Chart, .Files (Get, Lines), .Template,
//     .Capabilities (KubeVersion, APIVersions.Has);
//   - sprig's TxtFuncMap without env/expandenv, plus Helm's include, tpl, required, fail,
//     lookup (empty, as in `helm template`), toYaml, fromYaml, fromYamlArray, toJson,
//     fromJson, fromJsonArray;
//   - values: values.yaml coalesced with each -f file in order (maps merge, a null deletes a
//     key), numbers as float64 like Helm (values go through YAML -> JSON); toYaml marshals
//     through JSON like sigs.k8s.io/yaml, so keys come out sorted.
//
// Built offline by the tests: GOPATH=/usr/share/gocode GO111MODULE=off go build.
//
// Usage: helmrender -chart DIR [-release NAME] [-namespace NS] [-f values.yaml]...
//                   [-notes] [-values-json]
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	"gopkg.in/yaml.v2"
)

type fileList []string

func (f *fileList) String() string     { return strings.Join(*f, ",") }
func (f *fileList) Set(v string) error { *f = append(*f, v); return nil }

// Files mirrors Helm's .Files: the chart's files outside templates/.
type Files map[string][]byte

func (f Files) Get(name string) string { return string(f[name]) }
func (f Files) GetBytes(name string) []byte { return f[name] }
func (f Files) Lines(name string) []string {
	s := strings.TrimSuffix(string(f[name]), "\n")
	if s == "" {
		return []string{}
	}
	return strings.Split(s, "\n")
}

// APIVersions mirrors .Capabilities.APIVersions (only Has).
type APIVersions []string

func (a APIVersions) Has(v string) bool {
	for _, x := range a {
		if x == v {
			return true
		}
	}
	return false
}

// jsonify turns what yaml.v2 decodes (map[interface{}]interface{}, ints) into what Helm
// holds after sigs.k8s.io/yaml (map[string]interface{}, float64), via a JSON round trip.
func jsonify(v interface{}) (interface{}, error) {
	conv, err := stringKeys(v)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(conv)
	if err != nil {
		return nil, err
	}
	var out interface{}
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	return out, nil
}

func stringKeys(v interface{}) (interface{}, error) {
	switch t := v.(type) {
	case map[interface{}]interface{}:
		m := make(map[string]interface{}, len(t))
		for k, val := range t {
			ks, ok := k.(string)
			if !ok {
				ks = fmt.Sprint(k)
			}
			c, err := stringKeys(val)
			if err != nil {
				return nil, err
			}
			m[ks] = c
		}
		return m, nil
	case []interface{}:
		l := make([]interface{}, len(t))
		for i, val := range t {
			c, err := stringKeys(val)
			if err != nil {
				return nil, err
			}
			l[i] = c
		}
		return l, nil
	default:
		return v, nil
	}
}

func parseYAMLMap(data []byte) (map[string]interface{}, error) {
	var raw interface{}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, err
	}
	if raw == nil {
		return map[string]interface{}{}, nil
	}
	j, err := jsonify(raw)
	if err != nil {
		return nil, err
	}
	m, ok := j.(map[string]interface{})
	if !ok {
		return nil, errors.New("top level is not a mapping")
	}
	return m, nil
}

// coalesce merges src (a -f file) over dst (the defaults) as Helm does: nested maps merge,
// a null removes the key, anything else replaces.
func coalesce(dst, src map[string]interface{}) map[string]interface{} {
	for k, sv := range src {
		if sv == nil {
			delete(dst, k)
			continue
		}
		sm, sIsMap := sv.(map[string]interface{})
		dm, dIsMap := dst[k].(map[string]interface{})
		if sIsMap && dIsMap {
			dst[k] = coalesce(dm, sm)
		} else {
			dst[k] = sv
		}
	}
	return dst
}

// toYaml as sigs.k8s.io/yaml.Marshal: JSON first (sorted keys, JSON types), then YAML.
func toYaml(v interface{}) string {
	j, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	var obj interface{}
	if err := yaml.Unmarshal(j, &obj); err != nil {
		return ""
	}
	out, err := yaml.Marshal(obj)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(out), "\n")
}

func fromYaml(s string) map[string]interface{} {
	m, err := parseYAMLMap([]byte(s))
	if err != nil {
		return map[string]interface{}{"Error": err.Error()}
	}
	return m
}

func fromYamlArray(s string) []interface{} {
	var raw interface{}
	if err := yaml.Unmarshal([]byte(s), &raw); err != nil {
		return []interface{}{err.Error()}
	}
	j, err := jsonify(raw)
	if err != nil {
		return []interface{}{err.Error()}
	}
	if l, ok := j.([]interface{}); ok {
		return l
	}
	return []interface{}{}
}

func toJSON(v interface{}) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

func fromJSON(s string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func fromJSONArray(s string) []interface{} {
	var l []interface{}
	if err := json.Unmarshal([]byte(s), &l); err != nil {
		return []interface{}{err.Error()}
	}
	return l
}

type renderer struct {
	tmpl     *template.Template
	funcs    template.FuncMap
	chart    string
	includes map[string]int
}

func (r *renderer) funcMap() template.FuncMap {
	f := sprig.TxtFuncMap()
	delete(f, "env")
	delete(f, "expandenv")
	extra := template.FuncMap{
		"toYaml":        toYaml,
		"fromYaml":      fromYaml,
		"fromYamlArray": fromYamlArray,
		"toJson":        toJSON,
		"fromJson":      fromJSON,
		"fromJsonArray": fromJSONArray,
		"required": func(msg string, v interface{}) (interface{}, error) {
			if v == nil {
				return v, errors.New(msg)
			}
			if s, ok := v.(string); ok && s == "" {
				return v, errors.New(msg)
			}
			return v, nil
		},
		"fail": func(msg string) (string, error) { return "", errors.New(msg) },
		"lookup": func(string, string, string, string) (map[string]interface{}, error) {
			return map[string]interface{}{}, nil
		},
		// Replaced once the template set exists (they need it).
		"include": func(string, interface{}) (string, error) { return "", nil },
		"tpl":     func(string, interface{}) (string, error) { return "", nil },
	}
	for k, v := range extra {
		f[k] = v
	}
	return f
}

func (r *renderer) include(name string, data interface{}) (string, error) {
	// Helm limits recursion the same way (a self-including template would never end).
	if r.includes[name] > 1000 {
		return "", fmt.Errorf("rendering template has a nested reference name: %s", name)
	}
	r.includes[name]++
	defer func() { r.includes[name]-- }()
	var buf bytes.Buffer
	if err := r.tmpl.ExecuteTemplate(&buf, name, data); err != nil {
		return "", err
	}
	return buf.String(), nil
}

func (r *renderer) tpl(text string, data interface{}) (string, error) {
	t, err := r.tmpl.Clone()
	if err != nil {
		return "", err
	}
	t, err = t.New("tpl").Parse(text)
	if err != nil {
		return "", fmt.Errorf("cannot parse template %q: %v", text, err)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return "", fmt.Errorf("error calling tpl: %v", err)
	}
	return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
}

func run() error {
	var valueFiles fileList
	chartDir := flag.String("chart", "", "chart directory")
	release := flag.String("release", "release-name", "release name")
	namespace := flag.String("namespace", "default", "release namespace")
	notes := flag.Bool("notes", false, "print the rendered NOTES.txt instead of the manifests")
	valuesJSON := flag.Bool("values-json", false, "print the coalesced values as JSON and exit")
	flag.Var(&valueFiles, "f", "values file (repeatable; later files win)")
	flag.Parse()
	if *chartDir == "" {
		return errors.New("-chart DIR is required")
	}

	chartYAML, err := os.ReadFile(filepath.Join(*chartDir, "Chart.yaml"))
	if err != nil {
		return err
	}
	meta, err := parseYAMLMap(chartYAML)
	if err != nil {
		return fmt.Errorf("Chart.yaml: %v", err)
	}
	chartName, _ := meta["name"].(string)
	if chartName == "" {
		return errors.New("Chart.yaml: no name")
	}
	// Helm exposes chart.Metadata with Go field names.
	chartObj := map[string]interface{}{}
	for k, v := range meta {
		chartObj[strings.ToUpper(k[:1])+k[1:]] = v
	}

	values := map[string]interface{}{}
	if data, err := os.ReadFile(filepath.Join(*chartDir, "values.yaml")); err == nil {
		if values, err = parseYAMLMap(data); err != nil {
			return fmt.Errorf("values.yaml: %v", err)
		}
	}
	for _, vf := range valueFiles {
		data, err := os.ReadFile(vf)
		if err != nil {
			return err
		}
		user, err := parseYAMLMap(data)
		if err != nil {
			return fmt.Errorf("%s: %v", vf, err)
		}
		values = coalesce(values, user)
	}
	if *valuesJSON {
		b, err := json.MarshalIndent(values, "", "  ")
		if err != nil {
			return err
		}
		fmt.Println(string(b))
		return nil
	}

	files := Files{}
	var templates []string
	err = filepath.Walk(*chartDir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(*chartDir, p)
		rel = filepath.ToSlash(rel)
		switch {
		case strings.HasPrefix(rel, "templates/"):
			templates = append(templates, rel)
		case rel == "Chart.yaml" || rel == "values.yaml" || rel == "values.schema.json":
		default:
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			files[rel] = b
		}
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(templates)

	r := &renderer{chart: chartName, includes: map[string]int{}}
	r.funcs = r.funcMap()
	r.funcs["include"] = r.include
	r.funcs["tpl"] = r.tpl
	r.tmpl = template.New("gotpl").Option("missingkey=zero").Funcs(r.funcs)
	for _, t := range templates {
		b, err := os.ReadFile(filepath.Join(*chartDir, t))
		if err != nil {
			return err
		}
		if _, err := r.tmpl.New(path.Join(chartName, t)).Parse(string(b)); err != nil {
			return fmt.Errorf("parse error: %v", err)
		}
	}

	top := map[string]interface{}{
		"Values": values,
		"Chart":  chartObj,
		"Release": map[string]interface{}{
			"Name": *release, "Namespace": *namespace, "Service": "Helm",
			"IsInstall": true, "IsUpgrade": false, "Revision": 1,
		},
		"Files": files,
		"Capabilities": map[string]interface{}{
			"KubeVersion": map[string]interface{}{"Version": "v1.28.0", "Major": "1", "Minor": "28"},
			"APIVersions": APIVersions{"v1", "apps/v1", "policy/v1", "networking.k8s.io/v1",
				"monitoring.coreos.com/v1"},
		},
	}

	var out strings.Builder
	for _, t := range templates {
		base := path.Base(t)
		isNotes := base == "NOTES.txt"
		if strings.HasPrefix(base, "_") || isNotes != *notes {
			continue
		}
		name := path.Join(chartName, t)
		data := map[string]interface{}{}
		for k, v := range top {
			data[k] = v
		}
		data["Template"] = map[string]interface{}{"Name": name, "BasePath": path.Join(chartName, "templates")}
		var buf bytes.Buffer
		if err := r.tmpl.ExecuteTemplate(&buf, name, data); err != nil {
			return fmt.Errorf("render error in %q: %v", name, err)
		}
		text := strings.ReplaceAll(buf.String(), "<no value>", "")
		if strings.TrimSpace(text) == "" {
			continue
		}
		if *notes {
			out.WriteString(text)
		} else {
			fmt.Fprintf(&out, "---\n# Source: %s\n%s\n", name, text)
		}
	}
	fmt.Print(out.String())
	return nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
}
