import { useEffect, useState } from 'react'

/**
 * Screens are addressed by the URL's fragment (`#/claims/<id>`), so the gateway serves one page
 * at /console and needs no fallback route for the console's own paths.
 */
export type Route =
  | { screen: 'claims' }
  | { screen: 'claim'; id: string }
  | { screen: 'delivery' }

export function routeOf(hash: string): Route {
  const path = hash.replace(/^#/, '')
  const claim = /^\/claims\/([0-9a-f]{24})$/i.exec(path)
  if (claim) return { screen: 'claim', id: claim[1]!.toLowerCase() }
  if (path === '/delivery') return { screen: 'delivery' }
  return { screen: 'claims' }
}

export const hrefOf = (route: Route): string =>
  route.screen === 'claim' ? `#/claims/${route.id}` : route.screen === 'delivery' ? '#/delivery' : '#/claims'

export function useRoute(): Route {
  const [route, setRoute] = useState<Route>(() => routeOf(window.location.hash))
  useEffect(() => {
    const follow = () => setRoute(routeOf(window.location.hash))
    window.addEventListener('hashchange', follow)
    return () => window.removeEventListener('hashchange', follow)
  }, [])
  return route
}
