package io.streamgate.gateway.kafka;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;

/**
 * A Kafka connection by hand, for what real clients never send (an unknown api key, a huge frame,
 * an old version) and for the order of answers: requests built with kafka-clients' generated
 * classes, answers read frame by frame.
 */
public final class RawKafka implements AutoCloseable {
  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;

  public RawKafka(int port) throws IOException {
    socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(30_000);
    in = new DataInputStream(socket.getInputStream());
    out = socket.getOutputStream();
  }

  /** Sends {@code body} as a request of its api in {@code version}. */
  public void send(ApiMessage body, short version, int correlationId) throws IOException {
    ApiMessageType type = ApiMessageType.fromApiKey(body.apiKey());
    short headerVersion = type.requestHeaderVersion(version);
    RequestHeaderData header = new RequestHeaderData().setRequestApiKey(body.apiKey()).setRequestApiVersion(version)
        .setCorrelationId(correlationId).setClientId("raw-test");
    ObjectSerializationCache cache = new ObjectSerializationCache();
    int size = header.size(cache, headerVersion) + body.size(cache, version);
    ByteBuffer frame = ByteBuffer.allocate(4 + size).putInt(size);
    ByteBufferAccessor writer = new ByteBufferAccessor(frame);
    header.write(writer, cache, headerVersion);
    body.write(writer, cache, version);
    sendRaw(frame.array());
  }

  void sendRaw(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  /** The next answer's bytes, its size prefix removed. */
  ByteBuffer readFrame() throws IOException {
    byte[] frame = new byte[in.readInt()];
    in.readFully(frame);
    return ByteBuffer.wrap(frame);
  }

  /** The next answer, as a response of {@code apiKey} in {@code version}; its correlation id must be {@code correlationId}. */
  public <T extends ApiMessage> T read(short apiKey, short version, int correlationId, Class<T> type) throws IOException {
    ByteBuffer frame = readFrame();
    ApiMessageType messageType = ApiMessageType.fromApiKey(apiKey);
    short headerVersion = apiKey == ApiMessageType.API_VERSIONS.apiKey() ? 0 : messageType.responseHeaderVersion(version);
    ByteBufferAccessor reader = new ByteBufferAccessor(frame);
    ResponseHeaderData header = new ResponseHeaderData(reader, headerVersion);
    if (header.correlationId() != correlationId) {
      throw new AssertionError("expected the answer to request " + correlationId + ", got " + header.correlationId());
    }
    ApiMessage body = messageType.newResponse();
    body.read(reader, version);
    return type.cast(body);
  }

  /** Whether the server closed the connection (reads end), rather than answering or staying silent. */
  public boolean closedByServer() throws IOException {
    try {
      return in.read() == -1;
    } catch (EOFException | SocketException e) {
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
