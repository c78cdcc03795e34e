package dev.tempora;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.springframework.beans.factory.config.BeanPostProcessor;

/**
 * The true edge, faked: every connection the application's {@link DataSource} hands out is wrapped,
 * so a test can act on the calls made to it (lose a commit's answer, slow a statement down).
 */
public final class InterceptedConnections {

    /** Takes every call made to one connection; {@link #proceed} makes it. */
    @FunctionalInterface
    public interface Interceptor {
        Object call(Connection connection, Method method, Object[] args) throws Throwable;
    }

    private InterceptedConnections() {}

    /** A post-processor (declare it in a static {@code @Bean} method) wrapping each connection with a new interceptor. */
    public static BeanPostProcessor with(Supplier<Interceptor> perConnection) {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessAfterInitialization(Object bean, String name) {
                return bean instanceof DataSource dataSource ? around(dataSource, perConnection) : bean;
            }
        };
    }

    /** Whether the call prepares a statement whose SQL starts with {@code sqlPrefix}. */
    public static boolean prepares(Method method, Object[] args, String sqlPrefix) {
        return method.getName().startsWith("prepare") && args[0] instanceof String sql && sql.startsWith(sqlPrefix);
    }

    /** Makes the call on the connection itself, throwing what it throws. */
    public static Object proceed(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException thrown) {
            throw thrown.getCause();
        }
    }

    /** {@code dataSource}, each connection it hands out wrapped with a new interceptor. */
    public static DataSource around(DataSource dataSource, Supplier<Interceptor> perConnection) {
        return (DataSource) Proxy.newProxyInstance(
                DataSource.class.getClassLoader(), new Class<?>[] {DataSource.class}, (proxy, method, args) -> {
                    var result = proceed(dataSource, method, args);
                    return result instanceof Connection connection ? wrap(connection, perConnection.get()) : result;
                });
    }

    private static Connection wrap(Connection connection, Interceptor interceptor) {
        return (Connection) Proxy.newProxyInstance(
                Connection.class.getClassLoader(),
                new Class<?>[] {Connection.class},
                (proxy, method, args) -> interceptor.call(connection, method, args));
    }
}
