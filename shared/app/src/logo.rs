//! Connector logos: an uploaded SVG is parsed with a real XML parser (`roxmltree`) and
//! rebuilt from an allow-list, so that what the API later serves as `image/svg+xml` cannot
//! run script, load anything from outside the document, or embed HTML.
//!
//! What survives: the elements in [`ALLOWED_ELEMENTS`] (in the SVG namespace, or without a
//! namespace), the attributes in [`ALLOWED_ATTRIBUTES`], `href`/`xlink:href` only when they
//! point inside the document (`#id`), `xml:space`, and a `style` attribute reduced to the
//! declarations of [`STYLE_PROPERTIES`]. Every attribute value must pass [`value_is_safe`]:
//! no `javascript:`/`data:`/`vbscript:`, no `url(…)` other than `url(#id)`, no CSS escapes or
//! comments, and only the CSS/transform functions of [`ALLOWED_FUNCTIONS`]. A disallowed
//! element is dropped with everything inside it; comments, processing instructions and
//! whitespace between elements are dropped; text is kept only inside `text`, `tspan`,
//! `title` and `desc`. A document with a DOCTYPE (and so any entity declaration) is refused.

use roxmltree::{Document, Node, NodeType, ParsingOptions};

/// Largest logo accepted, in bytes of the uploaded file.
pub const LOGO_MAX_BYTES: usize = 64 * 1024;

/// Deepest element nesting accepted (the rebuild recurses once per level).
const MAX_DEPTH: usize = 64;

const SVG_NS: &str = "http://www.w3.org/2000/svg";
const XLINK_NS: &str = "http://www.w3.org/1999/xlink";
const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

/// Why a logo was refused. The messages are written for the person reading the API answer.
#[derive(Debug, thiserror::Error)]
pub enum LogoError {
    #[error("the logo is too large: at most {max} bytes are accepted")]
    TooLarge { max: usize },
    #[error("the logo must be an SVG image: {0}")]
    NotSvg(String),
    #[error("the SVG logo was refused: {0}")]
    Invalid(String),
}

/// Elements kept (everything else is dropped together with its content).
pub const ALLOWED_ELEMENTS: &[&str] = &[
    "svg",
    "g",
    "defs",
    "title",
    "desc",
    "path",
    "rect",
    "circle",
    "ellipse",
    "line",
    "polyline",
    "polygon",
    "text",
    "tspan",
    "linearGradient",
    "radialGradient",
    "stop",
    "clipPath",
    "mask",
    "pattern",
    "symbol",
    "use",
];

/// Elements whose text content is kept.
const TEXT_ELEMENTS: &[&str] = &["text", "tspan", "title", "desc"];

/// CSS properties kept in a `style` attribute; also allowed as presentation attributes.
pub const STYLE_PROPERTIES: &[&str] = &[
    "alignment-baseline",
    "baseline-shift",
    "clip-path",
    "clip-rule",
    "color",
    "color-interpolation",
    "direction",
    "display",
    "dominant-baseline",
    "fill",
    "fill-opacity",
    "fill-rule",
    "font-family",
    "font-size",
    "font-size-adjust",
    "font-stretch",
    "font-style",
    "font-variant",
    "font-weight",
    "letter-spacing",
    "mask",
    "opacity",
    "overflow",
    "paint-order",
    "shape-rendering",
    "stop-color",
    "stop-opacity",
    "stroke",
    "stroke-dasharray",
    "stroke-dashoffset",
    "stroke-linecap",
    "stroke-linejoin",
    "stroke-miterlimit",
    "stroke-opacity",
    "stroke-width",
    "text-anchor",
    "text-decoration",
    "text-rendering",
    "transform",
    "transform-origin",
    "unicode-bidi",
    "vector-effect",
    "visibility",
    "word-spacing",
    "writing-mode",
];

/// Attributes without a namespace kept (besides [`STYLE_PROPERTIES`], `href` and `style`,
/// which are checked separately).
pub const ALLOWED_ATTRIBUTES: &[&str] = &[
    // identity
    "id",
    "class",
    // viewport
    "viewBox",
    "preserveAspectRatio",
    "width",
    "height",
    "version",
    // geometry
    "x",
    "y",
    "x1",
    "y1",
    "x2",
    "y2",
    "cx",
    "cy",
    "r",
    "rx",
    "ry",
    "fx",
    "fy",
    "fr",
    "d",
    "points",
    "pathLength",
    // text
    "dx",
    "dy",
    "rotate",
    "textLength",
    "lengthAdjust",
    // gradients, patterns, clipping, masking, symbols
    "offset",
    "gradientUnits",
    "gradientTransform",
    "spreadMethod",
    "patternUnits",
    "patternContentUnits",
    "patternTransform",
    "clipPathUnits",
    "maskUnits",
    "maskContentUnits",
    "refX",
    "refY",
];

/// Functions allowed in attribute values and style declarations; `url` is also allowed,
/// but only as `url(#id)`.
pub const ALLOWED_FUNCTIONS: &[&str] = &[
    // colours
    "rgb",
    "rgba",
    "hsl",
    "hsla",
    "hwb",
    "lab",
    "lch",
    "oklab",
    "oklch",
    "color",
    // numbers
    "calc",
    "min",
    "max",
    "clamp",
    // transforms
    "matrix",
    "translate",
    "translatex",
    "translatey",
    "scale",
    "scalex",
    "scaley",
    "rotate",
    "skewx",
    "skewy",
];

/// Checks an uploaded logo and returns it rebuilt as a compact SVG document that keeps only
/// the allow-listed elements and attributes (see the module documentation).
pub fn sanitize_svg(input: &[u8]) -> Result<String, LogoError> {
    if input.len() > LOGO_MAX_BYTES {
        return Err(LogoError::TooLarge { max: LOGO_MAX_BYTES });
    }
    let text = std::str::from_utf8(input)
        .map_err(|_| LogoError::NotSvg("the file is not UTF-8 text (PNG, JPEG and other bitmap formats are not accepted)".into()))?;
    let options = ParsingOptions { allow_dtd: false, ..ParsingOptions::default() };
    let doc = Document::parse_with_options(text, options).map_err(|e| match e {
        roxmltree::Error::DtdDetected => LogoError::Invalid("DOCTYPE and entity declarations are not allowed; remove the <!DOCTYPE …> block".into()),
        other => LogoError::NotSvg(format!("the file is not well-formed XML ({other})")),
    })?;

    let root = doc.root_element();
    let name = root.tag_name();
    if name.name() != "svg" {
        return Err(LogoError::NotSvg(format!("the root element is <{}>, expected <svg>", name.name())));
    }
    if !is_svg_namespace(name.namespace()) {
        return Err(LogoError::NotSvg(format!(
            "the root <svg> element is in the namespace {}, expected {SVG_NS}",
            name.namespace().unwrap_or_default()
        )));
    }

    let mut writer = Writer::default();
    let mut body = String::new();
    writer.children(root, &mut body, 1)?;
    let mut attrs = String::new();
    writer.attributes(root, &mut attrs);

    let mut out = String::with_capacity(body.len() + attrs.len() + 100);
    out.push_str("<svg xmlns=\"");
    out.push_str(SVG_NS);
    out.push('"');
    if writer.uses_xlink {
        out.push_str(" xmlns:xlink=\"");
        out.push_str(XLINK_NS);
        out.push('"');
    }
    out.push_str(&attrs);
    if body.is_empty() {
        out.push_str("/>");
    } else {
        out.push('>');
        out.push_str(&body);
        out.push_str("</svg>");
    }
    Ok(out)
}

fn is_svg_namespace(ns: Option<&str>) -> bool {
    matches!(ns, None | Some(SVG_NS))
}

#[derive(Default)]
struct Writer {
    /// An `xlink:href` was written, so the root declares the `xlink` prefix.
    uses_xlink: bool,
}

impl Writer {
    fn children(&mut self, parent: Node, out: &mut String, depth: usize) -> Result<(), LogoError> {
        let keep_text = TEXT_ELEMENTS.contains(&parent.tag_name().name());
        for child in parent.children() {
            match child.node_type() {
                NodeType::Element => self.element(child, out, depth + 1)?,
                NodeType::Text if keep_text => push_escaped(out, child.text().unwrap_or_default(), false),
                // Comments, processing instructions, whitespace between elements.
                _ => {}
            }
        }
        Ok(())
    }

    fn element(&mut self, node: Node, out: &mut String, depth: usize) -> Result<(), LogoError> {
        let name = node.tag_name();
        if !is_svg_namespace(name.namespace()) || !ALLOWED_ELEMENTS.contains(&name.name()) {
            return Ok(());
        }
        if depth > MAX_DEPTH {
            return Err(LogoError::Invalid(format!("elements are nested more than {MAX_DEPTH} levels deep")));
        }
        out.push('<');
        out.push_str(name.name());
        self.attributes(node, out);
        let start = out.len();
        out.push('>');
        self.children(node, out, depth)?;
        if out.len() == start + 1 {
            out.truncate(start);
            out.push_str("/>");
        } else {
            out.push_str("</");
            out.push_str(name.name());
            out.push('>');
        }
        Ok(())
    }

    /// Writes the allowed attributes of `node` as ` name="value"` pairs.
    fn attributes(&mut self, node: Node, out: &mut String) {
        for attr in node.attributes() {
            let local = attr.name();
            let value = attr.value();
            let (qualified, value): (&str, std::borrow::Cow<str>) = match attr.namespace() {
                None if local == "href" => match fragment_ref(value) {
                    Some(v) => ("href", v.into()),
                    None => continue,
                },
                Some(XLINK_NS) if local == "href" => match fragment_ref(value) {
                    Some(v) => {
                        self.uses_xlink = true;
                        ("xlink:href", v.into())
                    }
                    None => continue,
                },
                Some(XML_NS) if local == "space" && matches!(value, "default" | "preserve") => ("xml:space", value.into()),
                None if local == "style" => match sanitize_style(value) {
                    Some(v) => ("style", v.into()),
                    None => continue,
                },
                None if (ALLOWED_ATTRIBUTES.contains(&local) || STYLE_PROPERTIES.contains(&local)) && value_is_safe(value) => (local, value.into()),
                _ => continue,
            };
            out.push(' ');
            out.push_str(qualified);
            out.push_str("=\"");
            push_escaped(out, &value, true);
            out.push('"');
        }
    }
}

/// `Some(value)` when `value` is a reference inside the document (`#id`).
fn fragment_ref(value: &str) -> Option<&str> {
    let value = value.trim();
    let id = value.strip_prefix('#')?;
    is_plain_id(id).then_some(value)
}

/// A non-empty id without whitespace, quotes, parentheses, backslashes or angle brackets.
fn is_plain_id(id: &str) -> bool {
    !id.is_empty() && id.chars().all(|c| !c.is_whitespace() && !c.is_control() && !"\"'()\\<>#".contains(c))
}

/// Keeps the declarations of a `style` attribute whose property is in [`STYLE_PROPERTIES`]
/// and whose value is safe; `None` when nothing is left.
fn sanitize_style(style: &str) -> Option<String> {
    let mut kept = Vec::new();
    for declaration in style.split(';') {
        let Some((property, value)) = declaration.split_once(':') else { continue };
        let property = property.trim().to_ascii_lowercase();
        let value = value.trim();
        let balanced_quotes = value.matches('"').count() % 2 == 0 && value.matches('\'').count() % 2 == 0;
        if STYLE_PROPERTIES.contains(&property.as_str()) && !value.is_empty() && balanced_quotes && value_is_safe(value) {
            kept.push(format!("{property}:{value}"));
        }
    }
    (!kept.is_empty()).then(|| kept.join(";"))
}

/// An attribute value (or style declaration value) that cannot load or run anything:
/// no `javascript:`, `vbscript:` or `data:` (whitespace ignored), no CSS escapes or comments,
/// `url(…)` only as `url(#id)`, and no function outside [`ALLOWED_FUNCTIONS`].
fn value_is_safe(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    let squeezed: String = lower.chars().filter(|c| !c.is_whitespace() && !c.is_control()).collect();
    if ["javascript:", "vbscript:", "data:"].iter().any(|scheme| squeezed.contains(scheme)) {
        return false;
    }
    if lower.contains('\\') || lower.contains("/*") {
        return false;
    }
    // Every `(` opens a function call: find its name (whitespace before `(` is allowed in
    // SVG transform lists) and check it.
    let bytes = lower.as_bytes();
    for (open, _) in lower.match_indices('(') {
        let mut end = open;
        while end > 0 && bytes[end - 1].is_ascii_whitespace() {
            end -= 1;
        }
        let mut start = end;
        while start > 0 && (bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'-') {
            start -= 1;
        }
        let function = &lower[start..end];
        if function == "url" {
            let Some(close) = lower[open + 1..].find(')') else { return false };
            let argument = lower[open + 1..open + 1 + close].trim();
            let argument = argument
                .strip_prefix('"')
                .and_then(|a| a.strip_suffix('"'))
                .or_else(|| argument.strip_prefix('\'').and_then(|a| a.strip_suffix('\'')))
                .unwrap_or(argument);
            if !argument.strip_prefix('#').is_some_and(is_plain_id) {
                return false;
            }
        } else if !ALLOWED_FUNCTIONS.contains(&function) {
            return false;
        }
    }
    true
}

/// Appends `text` with the XML special characters escaped; in attribute values also `"` and
/// the whitespace characters that attribute normalisation would otherwise turn into spaces.
fn push_escaped(out: &mut String, text: &str, attribute: bool) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FORBIDDEN_ELEMENTS: &[&str] = &["script", "foreignObject", "iframe", "image", "style", "animate", "set", "a", "div", "body"];

    /// Re-parses the output and checks it structurally.
    fn assert_clean(svg: &str) -> Document<'_> {
        let doc = Document::parse(svg).unwrap_or_else(|e| panic!("output does not re-parse: {e}\n{svg}"));
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "svg");
        assert_eq!(root.tag_name().namespace(), Some(SVG_NS));
        for node in doc.descendants().filter(|n| n.is_element()) {
            let name = node.tag_name();
            assert_eq!(name.namespace(), Some(SVG_NS), "element outside the SVG namespace in {svg}");
            assert!(!FORBIDDEN_ELEMENTS.contains(&name.name()), "<{}> survived in {svg}", name.name());
            assert!(ALLOWED_ELEMENTS.contains(&name.name()), "<{}> is not allow-listed in {svg}", name.name());
            for attr in node.attributes() {
                let lower_name = attr.name().to_ascii_lowercase();
                let lower_value = attr.value().to_ascii_lowercase();
                assert!(!lower_name.starts_with("on"), "event handler {} survived in {svg}", attr.name());
                if attr.name() == "href" {
                    assert!(attr.value().starts_with('#'), "href {} survived in {svg}", attr.value());
                }
                assert!(!lower_value.contains("javascript:"), "javascript: survived in {svg}");
                assert!(!lower_value.contains("data:"), "data: survived in {svg}");
                for (i, _) in lower_value.match_indices("url(") {
                    let argument = lower_value[i + 4..].trim_start().trim_start_matches(['"', '\'']);
                    assert!(argument.starts_with('#'), "external url() survived in {svg}");
                }
            }
        }
        assert!(!doc.descendants().any(|n| n.is_comment() || n.is_pi()));
        doc
    }

    fn clean(input: &str) -> String {
        let out = sanitize_svg(input.as_bytes()).unwrap_or_else(|e| panic!("refused: {e}\n{input}"));
        assert_clean(&out);
        out
    }

    fn wrap(body: &str) -> String {
        format!(r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10">{body}</svg>"#)
    }

    #[test]
    fn benign_logo_keeps_shapes_viewbox_and_colours() {
        let input = r##"<?xml version="1.0" encoding="UTF-8"?>
<!-- Generator: some editor -->
<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">
  <title>Acme &amp; Co</title>
  <defs>
    <linearGradient id="g1" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="#ff0000"/>
      <stop offset="1" style="stop-color:#0000ff;stop-opacity:0.5"/>
    </linearGradient>
  </defs>
  <g transform="translate(2, 2) rotate (45)">
    <rect x="0" y="0" width="60" height="60" rx="8" fill="url(#g1)"/>
    <circle cx="32" cy="32" r="10" fill="#FFFFFF" stroke="rgb(0, 0, 0)" stroke-width="2"/>
    <path d="M10 10 L20 20 Z" style="fill: #123456; stroke: none"/>
    <polygon points="1,2 3,4 5,6" fill-rule="evenodd"/>
    <text x="5" y="60" font-family="'Open Sans', sans-serif">A &lt; B</text>
  </g>
</svg>"##;
        let out = clean(input);
        let doc = Document::parse(&out).unwrap();
        let root = doc.root_element();
        assert_eq!(root.attribute("viewBox"), Some("0 0 64 64"));
        assert_eq!(root.attribute("width"), Some("64"));
        let names: Vec<&str> = doc.descendants().filter(|n| n.is_element()).map(|n| n.tag_name().name()).collect();
        assert_eq!(names, ["svg", "title", "defs", "linearGradient", "stop", "stop", "g", "rect", "circle", "path", "polygon", "text"]);
        let find = |tag: &str| doc.descendants().find(|n| n.has_tag_name((SVG_NS, tag))).unwrap();
        assert_eq!(find("rect").attribute("fill"), Some("url(#g1)"));
        assert_eq!(find("circle").attribute("fill"), Some("#FFFFFF"));
        assert_eq!(find("circle").attribute("stroke"), Some("rgb(0, 0, 0)"));
        assert_eq!(find("path").attribute("style"), Some("fill:#123456;stroke:none"));
        assert_eq!(find("path").attribute("d"), Some("M10 10 L20 20 Z"));
        assert_eq!(find("g").attribute("transform"), Some("translate(2, 2) rotate (45)"));
        assert_eq!(find("stop").attribute("stop-color"), Some("#ff0000"));
        assert_eq!(find("title").text(), Some("Acme & Co"));
        assert_eq!(find("text").text(), Some("A < B"));
        assert_eq!(find("text").attribute("font-family"), Some("'Open Sans', sans-serif"));
        // Compact: no comments, no declaration, no whitespace between elements.
        assert!(out.starts_with(r#"<svg xmlns="http://www.w3.org/2000/svg" width="64""#), "{out}");
        assert!(!out.contains("<?xml") && !out.contains("<!--") && !out.contains(">\n"), "{out}");
        assert!(out.contains("<text x=\"5\" y=\"60\" font-family=\"'Open Sans', sans-serif\">A &lt; B</text>"), "{out}");
    }

    #[test]
    fn svg_without_namespace_is_accepted_and_gets_one() {
        let out = clean(r#"<svg viewBox="0 0 1 1"><rect width="1" height="1"/></svg>"#);
        assert_eq!(out, r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><rect width="1" height="1"/></svg>"#);
    }

    #[test]
    fn script_is_removed() {
        let out = clean(&wrap(r#"<script>alert(1)</script><script type="text/javascript"><![CDATA[alert(2)]]></script><rect/>"#));
        assert!(!out.contains("alert"), "{out}");
        assert!(out.contains("<rect/>"), "{out}");
    }

    #[test]
    fn event_handlers_are_removed() {
        let out = clean(
            r#"<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)" ONLOAD="x"><g><rect onclick="alert(2)" onmouseover="alert(3)" width="1"/></g></svg>"#,
        );
        assert!(!out.contains("alert"), "{out}");
        assert!(out.contains(r#"<rect width="1"/>"#), "{out}");
    }

    #[test]
    fn external_and_script_hrefs_are_removed() {
        let out = clean(&wrap(
            r##"<defs><rect id="a"/></defs>
            <use href="https://evil.example/x.svg#a"/>
            <use xlink:href="javascript:alert(1)"/>
            <use xlink:href=" JavaScript:alert(1)"/>
            <use href="#a" x="1"/>
            <use xlink:href="#a" x="2"/>
            <use href="#xpointer(id('a'))"/>"##,
        ));
        assert!(!out.contains("evil") && !out.to_ascii_lowercase().contains("javascript") && !out.contains("xpointer"), "{out}");
        assert!(out.contains(r##"<use href="#a" x="1"/>"##), "{out}");
        assert!(out.contains(r##"<use xlink:href="#a" x="2"/>"##), "{out}");
        assert!(out.contains(r#"xmlns:xlink="http://www.w3.org/1999/xlink""#), "{out}");
    }

    #[test]
    fn xlink_prefix_is_declared_only_when_used() {
        let out = clean(&wrap("<rect/>"));
        assert!(!out.contains("xlink"), "{out}");
        // Another prefix bound to the xlink namespace is written as `xlink:`.
        let out = clean(r##"<svg xmlns="http://www.w3.org/2000/svg" xmlns:l="http://www.w3.org/1999/xlink"><use l:href="#a"/></svg>"##);
        assert!(out.contains(r##"<use xlink:href="#a"/>"##) && out.contains("xmlns:xlink="), "{out}");
    }

    #[test]
    fn foreign_object_and_html_are_removed() {
        let out = clean(&wrap(
            r#"<foreignObject width="10" height="10"><div xmlns="http://www.w3.org/1999/xhtml"><iframe src="https://evil.example"></iframe><script>alert(1)</script></div></foreignObject>
            <h:script xmlns:h="http://www.w3.org/1999/xhtml">alert(2)</h:script>
            <iframe src="https://evil.example"/><circle r="1"/>"#,
        ));
        assert!(!out.contains("evil") && !out.contains("alert"), "{out}");
        assert!(out.contains(r#"<circle r="1"/>"#), "{out}");
    }

    #[test]
    fn external_urls_in_styles_and_presentation_attributes_are_removed() {
        let out = clean(&wrap(
            r##"<rect style="background:url(https://evil)" width="1"/>
            <rect style="fill:url( 'https://evil/a#b' );stroke:red" fill="url(https://evil#p)" stroke="URL (https://evil)"/>
            <rect style="fill:u\72l(https://evil)"/>
            <rect fill="url(#ok)" mask="url('#m')" clip-path="url(&quot;#c&quot;)"/>
            <rect fill="image(https://evil)" stroke="var(--x)"/>"##,
        ));
        assert!(!out.contains("evil") && !out.contains("background") && !out.contains("var("), "{out}");
        assert!(out.contains(r#"<rect width="1"/>"#), "{out}");
        assert!(out.contains(r#"<rect style="stroke:red"/>"#), "{out}");
        assert!(out.contains(r##"<rect fill="url(#ok)" mask="url('#m')" clip-path="url(&quot;#c&quot;)"/>"##), "{out}");
    }

    #[test]
    fn images_and_data_urls_are_removed() {
        let out = clean(&wrap(
            r#"<image href="data:image/svg+xml;base64,PHN2Zz48c2NyaXB0PmFsZXJ0KDEpPC9zY3JpcHQ+PC9zdmc+" width="10"/>
            <rect fill="data:text/html,x" stroke=" d a t a :x"/><rect/>"#,
        ));
        assert!(!out.contains("data") && !out.contains("image"), "{out}");
        assert!(out.contains("<rect/><rect/>"), "{out}");
    }

    #[test]
    fn animation_style_and_other_elements_are_removed() {
        let out = clean(&wrap(
            r##"<style>rect { fill: url(https://evil) }</style>
            <a href="https://evil"><rect/></a>
            <rect id="r"><set attributeName="href" to="javascript:alert(1)"/><animate attributeName="fill" values="red;blue"/></rect>
            <animateTransform attributeName="transform"/><filter><feImage href="https://evil"/></filter>"##,
        ));
        assert!(!out.contains("evil") && !out.contains("alert") && !out.contains("animate"), "{out}");
        assert!(out.contains(r#"<rect id="r"/>"#), "{out}");
    }

    #[test]
    fn comments_and_processing_instructions_are_dropped() {
        let out = clean(&wrap(r#"<!-- <script>alert(1)</script> --><?xml-stylesheet href="https://evil"?><rect/>"#));
        assert!(out.ends_with(r#"viewBox="0 0 10 10"><rect/></svg>"#), "{out}");
    }

    #[test]
    fn text_and_attribute_values_are_escaped() {
        let out = clean(&wrap(
            r#"<text id="a&quot;b&lt;c&amp;" x="1">&lt;script&gt;alert("1") &amp; '2'<![CDATA[</text><script>]]></text><desc>x&#10;y</desc>"#,
        ));
        assert!(!out.contains("<script"), "{out}");
        let doc = Document::parse(&out).unwrap();
        let text = doc.descendants().find(|n| n.has_tag_name((SVG_NS, "text"))).unwrap();
        assert_eq!(text.attribute("id"), Some("a\"b<c&"));
        assert_eq!(text.text(), Some("<script>alert(\"1\") & '2'</text><script>"));
        let desc = doc.descendants().find(|n| n.has_tag_name((SVG_NS, "desc"))).unwrap();
        assert_eq!(desc.text(), Some("x\ny"));
    }

    #[test]
    fn doctype_and_entities_are_refused() {
        let xxe = r#"<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><svg xmlns="http://www.w3.org/2000/svg"><text>&xxe;</text></svg>"#;
        let laughs = r#"<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><svg><text>&b;</text></svg>"#;
        let plain = r#"<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd"><svg/>"#;
        for input in [xxe, laughs, plain] {
            let err = sanitize_svg(input.as_bytes()).unwrap_err();
            assert!(matches!(err, LogoError::Invalid(_)), "{err:?}");
            assert!(err.to_string().contains("DOCTYPE"), "{err}");
        }
        // An entity without a DOCTYPE is simply unknown.
        let err = sanitize_svg(b"<svg><text>&xxe;</text></svg>").unwrap_err();
        assert!(matches!(err, LogoError::NotSvg(_)), "{err:?}");
    }

    #[test]
    fn size_limit() {
        let at_limit = format!("<svg>{}</svg>", " ".repeat(LOGO_MAX_BYTES - 11));
        assert_eq!(at_limit.len(), LOGO_MAX_BYTES);
        assert!(sanitize_svg(at_limit.as_bytes()).is_ok());
        let over = format!("<svg>{}</svg>", " ".repeat(LOGO_MAX_BYTES - 10));
        let err = sanitize_svg(over.as_bytes()).unwrap_err();
        assert!(matches!(err, LogoError::TooLarge { max: LOGO_MAX_BYTES }), "{err:?}");
        assert_eq!(err.to_string(), "the logo is too large: at most 65536 bytes are accepted");
    }

    #[test]
    fn non_svg_inputs_are_refused() {
        let cases: [(&[u8], &str); 6] = [
            (b"<html><body><svg/></body></html>", "root element is <html>, expected <svg>"),
            (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "not UTF-8"),
            (b"just some text", "not well-formed XML"),
            (b"<svg><g></svg>", "not well-formed XML"),
            (b"", "not well-formed XML"),
            (b"<svg xmlns=\"http://www.w3.org/1999/xhtml\"/>", "expected http://www.w3.org/2000/svg"),
        ];
        for (input, expected) in cases {
            let err = sanitize_svg(input).unwrap_err();
            assert!(matches!(err, LogoError::NotSvg(_)), "{err:?}");
            assert!(err.to_string().starts_with("the logo must be an SVG image: "), "{err}");
            assert!(err.to_string().contains(expected), "{err}");
        }
    }

    #[test]
    fn deep_nesting_is_refused() {
        let input = format!("<svg>{}{}</svg>", "<g>".repeat(8_000), "</g>".repeat(8_000));
        assert!(input.len() <= LOGO_MAX_BYTES);
        let err = sanitize_svg(input.as_bytes()).unwrap_err();
        assert!(matches!(err, LogoError::Invalid(_)), "{err:?}");
        let ok = format!("<svg>{}{}</svg>", "<g>".repeat(MAX_DEPTH - 1), "</g>".repeat(MAX_DEPTH - 1));
        assert!(sanitize_svg(ok.as_bytes()).is_ok());
    }
}
