//! The few WebDriver commands these tests use, over plain HTTP to chromedriver.

use serde_json::{Value, json};

pub struct Client {
    http: reqwest::Client,
    session: String,
}

/// A failed command: the WebDriver error, or an unreachable driver.
#[derive(Debug)]
pub struct Error(pub String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

pub struct Element<'a> {
    client: &'a Client,
    id: String,
}

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

async fn send(rb: reqwest::RequestBuilder) -> Result<Value, Error> {
    let r = rb.send().await.map_err(|e| Error(e.to_string()))?;
    let status = r.status();
    let v: Value = r.json().await.map_err(|e| Error(e.to_string()))?;
    if !status.is_success() {
        return Err(Error(format!("{} {}", v["value"]["error"], v["value"]["message"])));
    }
    Ok(v["value"].clone())
}

impl Client {
    pub async fn connect(driver: &str, capabilities: Value) -> Result<Self, Error> {
        let http = reqwest::Client::new();
        let v =
            send(http.post(format!("{driver}/session")).json(&json!({"capabilities": {"alwaysMatch": capabilities}})))
                .await?;
        let id = v["sessionId"].as_str().ok_or_else(|| Error(format!("no session id in {v}")))?;
        Ok(Self { http, session: format!("{driver}/session/{id}") })
    }

    pub async fn post(&self, path: &str, body: Value) -> Result<Value, Error> {
        send(self.http.post(format!("{}/{path}", self.session)).json(&body)).await
    }

    async fn get(&self, path: &str) -> Result<Value, Error> {
        send(self.http.get(format!("{}/{path}", self.session))).await
    }

    pub async fn goto(&self, url: &str) -> Result<(), Error> {
        self.post("url", json!({"url": url})).await.map(|_| ())
    }

    pub async fn current_url(&self) -> Result<String, Error> {
        Ok(self.get("url").await?.as_str().unwrap_or_default().to_string())
    }

    pub async fn refresh(&self) -> Result<(), Error> {
        self.post("refresh", json!({})).await.map(|_| ())
    }

    pub async fn back(&self) -> Result<(), Error> {
        self.post("back", json!({})).await.map(|_| ())
    }

    /// Runs a function body in the page and returns its result.
    pub async fn execute(&self, script: &str) -> Result<Value, Error> {
        self.post("execute/sync", json!({"script": script, "args": []})).await
    }

    pub async fn find(&self, css: &str) -> Result<Element<'_>, Error> {
        let v = self.post("element", json!({"using": "css selector", "value": css})).await?;
        let id = v[ELEMENT].as_str().ok_or_else(|| Error(format!("no element for {css}")))?;
        Ok(Element { client: self, id: id.to_string() })
    }

    pub async fn screenshot(&self) -> Result<Vec<u8>, Error> {
        use base64::Engine;
        let v = self.get("screenshot").await?;
        base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap_or_default())
            .map_err(|e| Error(e.to_string()))
    }

    pub async fn get_alert_text(&self) -> Result<String, Error> {
        Ok(self.get("alert/text").await?.as_str().unwrap_or_default().to_string())
    }

    pub async fn close(&self) -> Result<(), Error> {
        send(self.http.delete(&self.session)).await.map(|_| ())
    }
}

impl Element<'_> {
    pub async fn click(&self) -> Result<(), Error> {
        self.client.post(&format!("element/{}/click", self.id), json!({})).await.map(|_| ())
    }

    pub async fn send_keys(&self, text: &str) -> Result<(), Error> {
        self.client.post(&format!("element/{}/value", self.id), json!({"text": text})).await.map(|_| ())
    }
}
