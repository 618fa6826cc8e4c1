package dev.moesaic.serving.security;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * HTTP/1.1 over a plain socket: the request line goes on the wire exactly as written (no client
 * normalizes the path, decodes it or strips matrix parameters), as an attacker would send it.
 */
final class RawHttp {
    private RawHttp() {
    }

    record Response(int status, String text) {
    }

    static Response send(int port, String method, String path, List<String> headers, String body) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            byte[] payload = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            StringBuilder request = new StringBuilder()
                    .append(method).append(' ').append(path).append(" HTTP/1.1\r\n")
                    .append("Host: 127.0.0.1:").append(port).append("\r\n")
                    .append("Connection: close\r\n");
            for (String h : headers) {
                request.append(h).append("\r\n");
            }
            if (body != null) {
                request.append("Content-Type: application/json\r\nContent-Length: ").append(payload.length).append("\r\n");
            }
            request.append("\r\n");
            OutputStream out = socket.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            // A server that refuses on the headers answers at once and closes; sending the body into that
            // close would reset the connection and lose the answer. So the body follows only when no
            // answer came within a moment (the request was let through and its handler waits for it).
            socket.setSoTimeout(payload.length == 0 ? 120_000 : 700);
            try {
                int first = in.read();
                if (first >= 0) {
                    all.write(first);
                }
            } catch (SocketTimeoutException waitingForBody) {
                out.write(payload);
                out.flush();
            }
            socket.setSoTimeout(120_000);
            in.transferTo(all);
            String text = all.toString(StandardCharsets.UTF_8);
            String[] statusLine = text.split("\r\n", 2)[0].split(" ");
            if (statusLine.length < 2 || !statusLine[0].startsWith("HTTP/")) {
                throw new IOException("not an HTTP response to " + method + " " + path + ": " + text);
            }
            return new Response(Integer.parseInt(statusLine[1]), text);
        }
    }
}
